package org.gan4j.backend.cuda;

import org.bytedeco.javacpp.DoublePointer;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.IntPointer;
import org.bytedeco.javacpp.LongPointer;
import org.bytedeco.javacpp.Loader;
import org.bytedeco.javacpp.Pointer;
import org.bytedeco.javacpp.annotation.Cast;
import org.bytedeco.javacpp.annotation.Name;
import org.bytedeco.javacpp.annotation.Platform;
import org.gan4j.backend.Activation;

/**
 * JavaCPP binding of gan4j's own CUDA kernels ({@code src/main/cpp/gan4j_kernels.h}, one {@code .cu} file per op
 * family). Each method is one {@code extern "C"} launcher: it enqueues work on {@code stream} (a plain
 * {@code cudaStream_t}) and returns a {@code cudaError_t} as int, 0 on success; {@link CudaBackend} turns a failure
 * into a {@link CudaException} naming the launcher. Pointers are device pointers (see {@link DevicePointer}).
 *
 * <p>The natives ({@code libjniCudaKernels.so} and {@code libgan4j_kernels.so}) are built by Maven's {@code cuda}
 * profile when nvcc is present and travel in the jar under {@code org/gan4j/backend/cuda/linux-x86_64/}; without
 * them, loading this class throws {@link UnsatisfiedLinkError}, which {@link CudaProbe} reports.
 */
@Platform(include = "gan4j_kernels.h", link = "gan4j_kernels")
final class CudaKernels {
    static {
        Loader.load();
    }

    /**
     * The header's {@code enum gan4j_activation}, crossing JNI as that C type: JavaCPP passes {@link #value} cast to
     * the enum named by {@code @Name}. One constant per {@link Activation.Kind}, the same name.
     */
    @Name("gan4j_activation")
    enum ActivationKind {
        IDENTITY(0), RELU(1), LEAKY_RELU(2), TANH(3), SIGMOID(4);

        /** The C enumerator's value ({@code GAN4J_ACT_*}); public: JavaCPP's generator finds it by reflection. */
        public final int value;

        ActivationKind(int value) {
            this.value = value;
        }

        static ActivationKind of(Activation act) {
            return valueOf(act.kind().name());
        }
    }

    private CudaKernels() {
    }

    // elementwise.cu
    static native long gan4j_scratch_bytes(long channels);

    static native int gan4j_fill(float value, FloatPointer dst, long n, Pointer stream);

    static native int gan4j_copy(FloatPointer src, FloatPointer dst, long n, Pointer stream);

    static native int gan4j_scale(float alpha, FloatPointer x, long n, Pointer stream);

    static native int gan4j_axpy(float alpha, FloatPointer x, FloatPointer y, long n, Pointer stream);

    static native int gan4j_multiply(FloatPointer a, FloatPointer b, FloatPointer out, long n, Pointer stream);

    static native int gan4j_mean(FloatPointer x, long n, ActivationKind act, float slope, FloatPointer out,
            DoublePointer scratch, Pointer stream);

    static native int gan4j_sum_of_squares(FloatPointer x, long n, FloatPointer out, DoublePointer scratch,
            Pointer stream);

    // activations.cu
    static native int gan4j_bias_activation_forward(FloatPointer x, FloatPointer bias, int n, int channels,
            int spatial, ActivationKind act, float slope, FloatPointer y, Pointer stream);

    static native int gan4j_bias_activation_backward(FloatPointer y, FloatPointer dy, int n, int channels,
            int spatial, ActivationKind act, float slope, FloatPointer dx, FloatPointer dbias, DoublePointer scratch,
            Pointer stream);

    // batchnorm.cu
    static native int gan4j_batchnorm_train_forward(FloatPointer x, FloatPointer gamma, FloatPointer beta, int n,
            int channels, int spatial, float eps, float momentum, ActivationKind act, float slope,
            FloatPointer runningMean, FloatPointer runningVar, FloatPointer y, FloatPointer saveMean,
            FloatPointer saveInvStd, DoublePointer scratch, Pointer stream);

    static native int gan4j_batchnorm_train_backward(FloatPointer x, FloatPointer y, FloatPointer dy,
            FloatPointer gamma, FloatPointer saveMean, FloatPointer saveInvStd, int n, int channels, int spatial,
            ActivationKind act, float slope, FloatPointer dx, FloatPointer dgamma, FloatPointer dbeta,
            DoublePointer scratch, Pointer stream);

    /** bf16 NHWC (rows = n*H*W, channels % 8 == 0, 16-byte aligned): see gan4j_kernels.h. */
    static native int gan4j_batchnorm_train_forward_bf16_nhwc(@Cast("const uint16_t*") Pointer x, FloatPointer gamma,
            FloatPointer beta, long rows, int channels, float eps, float momentum, ActivationKind act, float slope,
            FloatPointer runningMean, FloatPointer runningVar, @Cast("uint16_t*") Pointer y, FloatPointer saveMean,
            FloatPointer saveInvStd, DoublePointer scratch, Pointer stream);

    static native int gan4j_batchnorm_train_backward_bf16_nhwc(@Cast("const uint16_t*") Pointer x,
            @Cast("const uint16_t*") Pointer y, @Cast("const uint16_t*") Pointer dy, FloatPointer gamma,
            FloatPointer saveMean, FloatPointer saveInvStd, long rows, int channels, ActivationKind act, float slope,
            @Cast("uint16_t*") Pointer dx, FloatPointer dgamma, FloatPointer dbeta, DoublePointer scratch,
            Pointer stream);

    static native int gan4j_batchnorm_eval_forward(FloatPointer x, FloatPointer gamma, FloatPointer beta,
            FloatPointer runningMean, FloatPointer runningVar, int n, int channels, int spatial, float eps,
            ActivationKind act, float slope, FloatPointer y, Pointer stream);

    static native int gan4j_batchnorm_eval_backward(FloatPointer x, FloatPointer y, FloatPointer dy,
            FloatPointer gamma, FloatPointer runningMean, FloatPointer runningVar, int n, int channels, int spatial,
            float eps, ActivationKind act, float slope, FloatPointer dx, FloatPointer dgamma, FloatPointer dbeta,
            DoublePointer scratch, Pointer stream);

    // losses.cu
    static native int gan4j_bce_with_logits_loss(FloatPointer logits, FloatPointer targets, long n, float scale,
            FloatPointer loss, FloatPointer dlogits, DoublePointer scratch, Pointer stream);

    static native int gan4j_squared_error_loss(FloatPointer pred, FloatPointer targets, long n, float scale,
            FloatPointer loss, FloatPointer dpred, DoublePointer scratch, Pointer stream);

    static native int gan4j_hinge_loss(FloatPointer logits, FloatPointer targets, long n, float scale,
            FloatPointer loss, FloatPointer dlogits, DoublePointer scratch, Pointer stream);

    // spectral.cu
    static native int gan4j_spectral_norm_forward(FloatPointer w, FloatPointer u, FloatPointer v, int out, int k,
            int update, FloatPointer sigma, FloatPointer wsn, DoublePointer scratch, Pointer stream);

    static native int gan4j_spectral_norm_backward(FloatPointer dwsn, FloatPointer wsn, FloatPointer u,
            FloatPointer v, FloatPointer sigma, int out, int k, FloatPointer dw, DoublePointer scratch,
            Pointer stream);

    // optimizers.cu
    /** {@code lrPtr}: a device word holding the learning rate, read when the kernel runs; null: {@code lr}. */
    static native int gan4j_adam_step(FloatPointer grad, long n, float lr, FloatPointer lrPtr, float beta1,
            float beta2, float eps, float weightDecay, FloatPointer param, FloatPointer m, FloatPointer v,
            FloatPointer step, @Cast("unsigned int*") IntPointer ticket, Pointer stream);

    static native int gan4j_sgd_step(FloatPointer grad, long n, float lr, float momentum, float weightDecay,
            FloatPointer param, FloatPointer momentumBuffer, Pointer stream);

    // random.cu
    static native int gan4j_random_normal(long seed, @Cast("unsigned long long*") LongPointer counter, float mean,
            float std, FloatPointer dst, long n, Pointer stream);

    static native int gan4j_random_uniform(long seed, @Cast("unsigned long long*") LongPointer counter, float low,
            float high, FloatPointer dst, long n, Pointer stream);

    static native int gan4j_fill_targets(long seed, @Cast("unsigned long long*") LongPointer counter, float value,
            float flippedValue, float flipProbability, float noise, FloatPointer dst, long n, Pointer stream);

    static native int gan4j_dropout_forward(long seed, @Cast("unsigned long long*") LongPointer counter, float p,
            FloatPointer x, FloatPointer mask, FloatPointer y, long n, Pointer stream);

    static native int gan4j_random_set_counter(long value, @Cast("unsigned long long*") LongPointer counter,
            Pointer stream);

    // bf16.cu (bf16 buffers are the bfloat16 bits, uint16_t in C)
    static native int gan4j_round_bf16(FloatPointer src, FloatPointer dst, long n, Pointer stream);

    static native int gan4j_to_bf16(FloatPointer src, @Cast("uint16_t*") Pointer dst, long n, Pointer stream);

    static native int gan4j_to_bf16_nhwc(FloatPointer src, int n, int channels, int spatial,
            @Cast("uint16_t*") Pointer dst, Pointer stream);

    static native int gan4j_from_bf16_nhwc(@Cast("const uint16_t*") Pointer src, int n, int channels, int spatial,
            int accumulate, FloatPointer dst, Pointer stream);
}
