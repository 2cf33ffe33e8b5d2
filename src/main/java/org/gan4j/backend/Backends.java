package org.gan4j.backend;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;
import java.util.function.Consumer;
import java.util.stream.Collectors;

/**
 * Chooses a backend among the {@link BackendProvider}s on the class path (found with {@link ServiceLoader}): the usable
 * one of highest priority (CUDA when it can run here, else the CPU), with a one-line log saying why a preferred one was
 * passed over. The choice can be forced with {@code -Dgan4j.backend=cpu|cuda|auto} (or by name with
 * {@link #create(String)}), as PyTorch code picks {@code torch.device("cuda" if torch.cuda.is_available() else "cpu")}.
 *
 * <p>Each provider probes its own availability once per JVM (CUDA: runtime and driver, a device, cuBLAS, cuDNN,
 * gan4j's kernels) and never throws; a forced backend's provider is the only one asked, so with
 * {@code -Dgan4j.backend=cpu} CUDA is not probed at all.
 *
 * <p><b>Threads.</b> Thread-safe: static methods only; the providers are listed once (class initialisation).
 */
public final class Backends {
    /** System property naming the backend: {@code cpu}, {@code cuda} or {@code auto} (the default). */
    public static final String PROPERTY = "gan4j.backend";

    private static final System.Logger LOG = System.getLogger(Backends.class.getName());

    private Backends() {
    }

    /** The providers on the class path, highest priority first (listed once). */
    private static final class Installed {
        static final List<BackendProvider> PROVIDERS = load();

        private static List<BackendProvider> load() {
            List<BackendProvider> found = new ArrayList<>();
            var it = ServiceLoader.load(BackendProvider.class, Backends.class.getClassLoader()).iterator();
            while (true) {
                try {
                    if (!it.hasNext()) {
                        break;
                    }
                    found.add(it.next());
                } catch (ServiceConfigurationError e) { // a listed provider that cannot be instantiated
                    LOG.log(System.Logger.Level.WARNING, "gan4j: skipping a backend provider: " + e.getMessage());
                }
            }
            return sorted(found);
        }
    }

    private static List<BackendProvider> sorted(List<BackendProvider> providers) {
        List<BackendProvider> list = new ArrayList<>(providers);
        list.sort(Comparator.comparingInt(BackendProvider::priority).reversed()
                .thenComparing(BackendProvider::name));
        return List.copyOf(list);
    }

    /** The providers found, highest priority first. */
    public static List<BackendProvider> providers() {
        return Installed.PROVIDERS;
    }

    /** The provider called {@code name} (case-insensitive), if installed. */
    public static Optional<BackendProvider> provider(String name) {
        String n = name.trim().toLowerCase(Locale.ROOT);
        return providers().stream().filter(p -> p.name().equals(n)).findFirst();
    }

    /**
     * Whether the backend called {@code name} can run here and, if not, why (the provider probes once, then caches);
     * not usable, with a reason, when no such provider is installed.
     */
    public static BackendProvider.Availability status(String name) {
        return provider(name).map(BackendProvider::availability).orElseGet(() ->
                new BackendProvider.Availability(false, "no '" + name + "' backend on the class path"));
    }

    /** The backend {@code -Dgan4j.backend} names, or the best usable one (CUDA, else the CPU, logging why, at INFO). */
    public static Backend auto() {
        return auto(message -> LOG.log(System.Logger.Level.INFO, message));
    }

    /** As {@link #auto()}, sending the one-line explanation of a fallback to {@code log}. */
    public static Backend auto(Consumer<String> log) {
        return open("auto", BackendOptions.DEFAULT, log);
    }

    /**
     * Opens a backend with {@code options}. {@code name} is {@code auto} (then {@code -Dgan4j.backend} when set, else
     * the best usable provider, sending one line to {@code log} for each preferred one passed over) or a provider's
     * name (that one or an exception naming why not).
     *
     * @throws IllegalArgumentException for an unknown name
     * @throws IllegalStateException    for a named backend that cannot run or start here, with the reason
     */
    public static Backend open(String name, BackendOptions options, Consumer<String> log) {
        if (name == null) {
            throw new IllegalArgumentException("backend name must not be null; use " + names(providers()));
        }
        String n = name.trim().toLowerCase(Locale.ROOT);
        String forced = System.getProperty(PROPERTY);
        if (n.equals("auto") && forced != null && !forced.isBlank()) {
            n = forced.trim().toLowerCase(Locale.ROOT);
        }
        return choose(n, providers(), options, log);
    }

    /**
     * A backend by name: a provider's name ({@code cpu}, {@code cuda}) or {@code "auto"} ({@link #auto()}).
     *
     * @throws IllegalArgumentException for another name
     * @throws IllegalStateException    for a backend that cannot run here (e.g. {@code cuda} without a GPU), with the
     *                                  provider's reason
     */
    public static Backend create(String name) {
        if (name != null && name.trim().equalsIgnoreCase("auto")) {
            return auto();
        }
        return open(name, BackendOptions.DEFAULT, message -> { });
    }

    /**
     * The decision behind {@link #open}, over the given providers (package-private so tests can play a driver too
     * old, no device, or a device out of memory at start). A provider's name opens it, or throws
     * {@link IllegalStateException} naming its reason when it cannot run or start; {@code "auto"} opens the usable
     * provider of highest priority, sending one line to {@code log} for each preferred one that is not usable or
     * fails to start (out of device memory, a busy or exclusive-mode GPU).
     */
    static Backend choose(String name, List<BackendProvider> providers, BackendOptions options,
            Consumer<String> log) {
        List<BackendProvider> byPriority = sorted(providers);
        if (!name.equals("auto")) {
            BackendProvider p = byPriority.stream().filter(q -> q.name().equals(name)).findFirst().orElseThrow(() ->
                    new IllegalArgumentException("unknown backend '" + name + "'; use " + names(byPriority)
                            + " (-D" + PROPERTY + "=...)"));
            return openForced(p, options);
        }
        List<String> passedOver = new ArrayList<>();
        for (BackendProvider p : byPriority) {
            BackendProvider.Availability a = p.availability();
            if (!a.usable()) {
                passedOver.add(label(p) + " is not usable: " + a.reason());
                continue;
            }
            try {
                Backend b = p.create(options);
                passedOver.forEach(why -> log.accept("gan4j: using the " + label(p) + " backend because " + why));
                return b;
            } catch (RuntimeException e) {
                passedOver.add("the " + label(p) + " backend could not start on " + a.reason() + ": "
                        + e.getMessage());
            }
        }
        throw new IllegalStateException("no backend can run here: " + String.join("; ", passedOver));
    }

    private static Backend openForced(BackendProvider p, BackendOptions options) {
        BackendProvider.Availability a = p.availability();
        if (!a.usable()) {
            throw new IllegalStateException("the " + label(p) + " backend was requested but cannot run here: "
                    + a.reason() + ". Use the CPU backend (-D" + PROPERTY + "=cpu) or auto.");
        }
        try {
            return p.create(options);
        } catch (RuntimeException e) {
            throw new IllegalStateException("the " + label(p) + " backend was requested but could not start on "
                    + a.reason() + ": " + e.getMessage() + ". Free the GPU or use the CPU backend (-D" + PROPERTY
                    + "=cpu).", e);
        }
    }

    /** How logs name a provider: {@code cuda} as "CUDA". */
    private static String label(BackendProvider p) {
        return p.name().toUpperCase(Locale.ROOT);
    }

    /** "cpu, cuda or auto". */
    private static String names(List<BackendProvider> providers) {
        return providers.stream().map(BackendProvider::name).sorted().collect(Collectors.joining(", ")) + " or auto";
    }
}
