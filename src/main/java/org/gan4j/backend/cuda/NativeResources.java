package org.gan4j.backend.cuda;

import java.util.ArrayList;
import java.util.List;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.Pointer;

/**
 * The native resources one object owns (handles, pinned host memory, device buffers) and whether it is closed:
 * {@link #own} records each in creation order, {@link #closeAll} releases them in reverse, all of them even when one
 * release fails ({@link NativeHandle#closeAll}). The owner's constructor owns what it makes inside {@code try} and
 * calls its own {@code close()} from {@code catch}, so a half-made object leaks nothing; that {@code close()} runs
 * once ({@link #beginClose}), waits for what may still use the memory, then calls {@link #closeAll}.
 */
final class NativeResources {
    private final List<AutoCloseable> owned = new ArrayList<>();
    private boolean closing;

    /** Records {@code resource} as owned and returns it. */
    <T extends AutoCloseable> T own(T resource) {
        owned.add(resource);
        return resource;
    }

    /**
     * {@code floats} floats of pinned host memory ({@link NativeHandle#pinnedHost}), owned here: a view with limit
     * and capacity {@code floats}, which asynchronous copies to and from the device need.
     */
    FloatPointer pinnedFloats(int floats) {
        Pointer p = own(NativeHandle.pinnedHost((long) floats * Float.BYTES)).get();
        return new FloatPointer(p).limit(floats).capacity(floats);
    }

    /**
     * Starts its owner's {@code close()}: true the first time, false from then on (close is idempotent); after it,
     * {@link #ensureOpen} throws.
     */
    boolean beginClose() {
        if (closing) {
            return false;
        }
        closing = true;
        return true;
    }

    /** Throws {@code IllegalStateException("this <owner> is closed")} once {@link #beginClose} has run. */
    void ensureOpen(String owner) {
        if (closing) {
            throw new IllegalStateException("this " + owner + " is closed");
        }
    }

    /**
     * Releases {@code later} (made after everything owned here, e.g. grown buffers) and then everything owned, each
     * in reverse order, and forgets them; throws the first failure, the others suppressed.
     */
    void closeAll(List<? extends AutoCloseable> later) {
        List<AutoCloseable> all = new ArrayList<>(owned);
        all.addAll(later);
        owned.clear();
        NativeHandle.closeAll(all);
    }

    /** Releases everything owned here, in reverse order, and forgets it (see {@link #closeAll(List)}). */
    void closeAll() {
        closeAll(List.of());
    }
}
