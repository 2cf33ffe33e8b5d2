package org.gan4j.gan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class LrScheduleTest {
    @Test
    void factorsByHand() {
        assertEquals(1.0, LrSchedule.CONSTANT.factor(999, 1000));
        LrSchedule linear = LrSchedule.linear(0);
        assertEquals(1.0, linear.factor(0, 10));
        assertEquals(0.5, linear.factor(5, 10));
        assertEquals(0.1, linear.factor(9, 10), 1e-15, "the last step keeps 1/total, never 0");
        LrSchedule late = LrSchedule.linear(0.5); // s0 = 5 of 10: 1 until then, then 5/5 .. 1/5
        assertEquals(1.0, late.factor(4, 10));
        assertEquals(1.0, late.factor(5, 10));
        assertEquals(0.4, late.factor(8, 10), 1e-15);
        assertEquals(0.2, late.factor(9, 10), 1e-15);
        LrSchedule step = LrSchedule.step(100, 0.1);
        assertEquals(1.0, step.factor(99, 1000));
        assertEquals(0.1, step.factor(100, 1000), 1e-15);
        assertEquals(0.01, step.factor(250, 1000), 1e-15);
    }

    @Test
    void parsesItsOwnFormAndRejectsOthers() {
        for (LrSchedule s : new LrSchedule[] {LrSchedule.CONSTANT, LrSchedule.linear(0), LrSchedule.linear(0.25),
                LrSchedule.step(500, 0.5), LrSchedule.step(3, 0.1)}) {
            assertEquals(s, LrSchedule.parse(s.toString()));
        }
        assertEquals(LrSchedule.step(1000, 0.5), LrSchedule.parse("step:1000"));
        assertEquals(LrSchedule.linear(0), LrSchedule.parse("LINEAR"));
        for (String bad : new String[] {"cosine", "step", "step:0", "step:10:2", "linear:1", "linear:x", "constant:1",
                ""}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> LrSchedule.parse(bad));
            assertTrue(e.getMessage().contains("'" + bad + "'") || e.getMessage().contains(bad), e.getMessage());
        }
    }
}
