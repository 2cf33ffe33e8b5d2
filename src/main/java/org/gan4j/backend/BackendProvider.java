package org.gan4j.backend;

/**
 * One kind of backend, found on the class path by {@link java.util.ServiceLoader} (listed in
 * {@code META-INF/services/org.gan4j.backend.BackendProvider}), as DJL finds its engines: {@link Backends} asks every
 * provider whether it can run here and opens the usable one of highest {@link #priority()}, or the one named.
 *
 * <p>Implementations have a public no-argument constructor and load nothing native until {@link #availability()} or
 * {@link #create(BackendOptions)} is called, so listing the providers is cheap and safe where a backend's libraries
 * are missing.
 */
public interface BackendProvider {
    /** The name users choose it by, lower case: e.g. {@code cpu} or {@code cuda}. */
    String name();

    /** Preference in {@code auto} mode: the usable provider with the highest value wins (the CPU is 0). */
    int priority();

    /**
     * Whether {@link #create(BackendOptions)} can work here and, in one line, why or why not (with the fix). Must not
     * throw: failures to load native libraries become the reason. May be computed once and cached.
     */
    Availability availability();

    /**
     * Opens a backend; the caller closes it.
     *
     * @throws IllegalStateException when it cannot start (out of device memory, a busy device), naming the cause
     */
    Backend create(BackendOptions options);

    /**
     * A provider's answer to "can you run here?".
     *
     * @param usable whether {@link #create(BackendOptions)} can work
     * @param reason when usable, what was found (e.g. device, driver); otherwise why not, with the fix
     */
    record Availability(boolean usable, String reason) {
    }
}
