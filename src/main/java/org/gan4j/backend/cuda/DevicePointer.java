package org.gan4j.backend.cuda;

import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.Pointer;

/**
 * A device address as a JavaCPP pointer (position 0, so JavaCPP passes the address unchanged): what the bindings
 * take for a tensor or buffer in GPU memory. It owns nothing; the memory belongs to a {@link DeviceBuffer}.
 */
final class DevicePointer extends FloatPointer {
    DevicePointer(long address) {
        super((Pointer) null);
        this.address = address;
    }
}
