package org.gan4j.backend;

import java.util.Locale;

/**
 * A backend could not get the device memory it needed (on CUDA: {@code cudaErrorMemoryAllocation}). Backend-neutral,
 * so callers such as {@link org.gan4j.api.GanTraining} can react to it without naming a backend: it carries what was
 * asked, what was free and what the backend itself held at that moment, each {@code -1} when unknown. The backend
 * stays usable afterwards (the failed allocation left nothing behind), but the operation that failed did not run,
 * so a training step in progress is incomplete. The CPU backend never throws it (host memory is the JVM's business).
 * PyTorch's equivalent is {@code torch.cuda.OutOfMemoryError}.
 */
public class OutOfDeviceMemoryException extends RuntimeException {
    private final long bytesRequested;
    private final long bytesFree;
    private final long bytesTotal;
    private final long bytesHeld;

    /**
     * @param message        names the allocation, the sizes and the fix
     * @param bytesRequested size of the failed allocation, -1 when unknown (a library call that failed inside)
     * @param bytesFree      free device memory right after the failure, -1 when unknown
     * @param bytesTotal     the device's memory, -1 when unknown
     * @param bytesHeld      device memory the failing backend held in live allocations, -1 when unknown
     */
    public OutOfDeviceMemoryException(String message, long bytesRequested, long bytesFree, long bytesTotal,
            long bytesHeld) {
        super(message);
        this.bytesRequested = bytesRequested;
        this.bytesFree = bytesFree;
        this.bytesTotal = bytesTotal;
        this.bytesHeld = bytesHeld;
    }

    /** Size of the allocation that failed, or -1 when unknown. */
    public long bytesRequested() {
        return bytesRequested;
    }

    /** Free device memory right after the failure, or -1 when unknown. */
    public long bytesFree() {
        return bytesFree;
    }

    /** The device's total memory, or -1 when unknown. */
    public long bytesTotal() {
        return bytesTotal;
    }

    /** Device memory the backend held in its own live allocations when it failed, or -1 when unknown. */
    public long bytesHeld() {
        return bytesHeld;
    }

    /** {@code bytes} as mebibytes with one decimal, e.g. {@code "96.0 MiB"}; {@code "unknown"} for -1. */
    public static String mib(long bytes) {
        return bytes < 0 ? "unknown" : String.format(Locale.ROOT, "%.1f MiB", bytes / (1024.0 * 1024.0));
    }
}
