package org.gan4j.metrics;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class ClassAgreementTest {
    @Test
    void countsPerClassAndOverall() {
        // class 0: 3 requested, 2 agreed; class 1: 2 requested, 0 agreed; class 2: 1 requested, 1 agreed
        ClassAgreement a = ClassAgreement.of(new int[] {0, 0, 0, 1, 1, 2}, new int[] {0, 2, 0, 0, 2, 2}, 3);
        assertArrayEquals(new int[] {3, 2, 1}, a.requested());
        assertArrayEquals(new int[] {2, 0, 1}, a.agreed());
        assertEquals(2.0 / 3, a.agreement(0), 0);
        assertEquals(0, a.agreement(1), 0);
        assertEquals(1, a.agreement(2), 0);
        assertEquals(0.5, a.overall(), 0);
        assertEquals("class agreement 50.0% (per class: 66.7 0.0 100.0)", a.summary());
    }

    @Test
    void aClassNeverRequestedHasNoAgreement() {
        ClassAgreement a = ClassAgreement.of(new int[] {1, 1}, new int[] {1, 0}, 2);
        assertTrue(Double.isNaN(a.agreement(0)));
        assertEquals(0.5, a.overall(), 0);
    }

    @Test
    void rejectsMismatchedOrOutOfRangeLabels() {
        assertEquals("need one prediction per requested class label: 2 requested, 1 predicted", assertThrows(
                IllegalArgumentException.class, () -> ClassAgreement.of(new int[] {0, 1}, new int[] {0}, 2))
                .getMessage());
        assertEquals("labels must be in [0, 2), sample 0 has requested 0, predicted 2", assertThrows(
                IllegalArgumentException.class, () -> ClassAgreement.of(new int[] {0}, new int[] {2}, 2))
                .getMessage());
    }
}
