package org.gan4j.backend.cpu;

import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;
import org.gan4j.tensor.DType;
import org.gan4j.tensor.Tensor;

/**
 * Element access to a tensor (or a workspace window) in double precision, written once for both dtypes: the F32 and
 * F64 subclasses are small enough for the JIT to inline {@link #get}/{@link #set} at every (bimorphic) call site.
 * Index {@code i} is relative to the tensor's first element.
 */
abstract class Acc {
    final int offset;

    Acc(int offset) {
        this.offset = offset;
    }

    abstract double get(int i);

    abstract void set(int i, double v);

    /** {@code this[i] += v}. */
    final void add(int i, double v) {
        set(i, get(i) + v);
    }

    static Acc of(Tensor t) {
        return of((CpuStorage) t.storage(), t.offset());
    }

    static Acc of(CpuStorage s, long offset) {
        return s.dtype() == DType.F32 ? new F32(s.floats(), (int) offset) : new F64(s.doubles(), (int) offset);
    }

    static final class F32 extends Acc {
        final FloatBuffer b;

        F32(FloatBuffer b, int offset) {
            super(offset);
            this.b = b;
        }

        @Override
        double get(int i) {
            return b.get(offset + i);
        }

        @Override
        void set(int i, double v) {
            b.put(offset + i, (float) v);
        }
    }

    static final class F64 extends Acc {
        final DoubleBuffer b;

        F64(DoubleBuffer b, int offset) {
            super(offset);
            this.b = b;
        }

        @Override
        double get(int i) {
            return b.get(offset + i);
        }

        @Override
        void set(int i, double v) {
            b.put(offset + i, v);
        }
    }
}
