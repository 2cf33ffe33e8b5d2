package org.gan4j;

import static com.tngtech.archunit.library.Architectures.layeredArchitecture;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;

/**
 * The package layering of {@code org.gan4j} (see its package-info and README "Layout"), read from the compiled main
 * classes (tests may cross layers):
 * <pre>
 * cli -> api -> gan | data | io | metrics -> models | optim -> nn -> backend -> tensor
 *                                                     backend.cpu | backend.cuda -> backend (found by ServiceLoader)
 * </pre>
 * No package depends on one above it, nothing names a backend implementation (they are reached only through
 * {@code Backends} and {@code META-INF/services}), nothing below the GAN level knows about GANs, data or files, and
 * no package cycles.
 */
@AnalyzeClasses(packages = "org.gan4j", importOptions = ImportOption.DoNotIncludeTests.class)
class ArchitectureTest {

    @ArchTest
    static final ArchRule LAYERS = layeredArchitecture().consideringOnlyDependenciesInLayers()
            .layer("tensor").definedBy("org.gan4j.tensor..")
            .layer("backend").definedBy("org.gan4j.backend")
            .layer("cpu").definedBy("org.gan4j.backend.cpu..")
            .layer("cuda").definedBy("org.gan4j.backend.cuda..")
            .layer("nn").definedBy("org.gan4j.nn..")
            .layer("optim, models").definedBy("org.gan4j.optim..", "org.gan4j.models..")
            .layer("gan, data, io, metrics").definedBy("org.gan4j.gan..", "org.gan4j.data..", "org.gan4j.io..",
                    "org.gan4j.metrics..")
            .layer("api").definedBy("org.gan4j.api..")
            .layer("cli").definedBy("org.gan4j.cli..")
            .whereLayer("cli").mayNotBeAccessedByAnyLayer()
            .whereLayer("api").mayOnlyBeAccessedByLayers("cli")
            .whereLayer("gan, data, io, metrics").mayOnlyBeAccessedByLayers("api", "cli")
            .whereLayer("optim, models").mayOnlyBeAccessedByLayers("gan, data, io, metrics", "api", "cli")
            .whereLayer("nn").mayOnlyBeAccessedByLayers("optim, models", "gan, data, io, metrics", "api", "cli")
            .whereLayer("cpu").mayNotBeAccessedByAnyLayer()
            .whereLayer("cuda").mayNotBeAccessedByAnyLayer()
            .whereLayer("backend").mayOnlyAccessLayers("tensor")
            .whereLayer("cpu").mayOnlyAccessLayers("backend", "tensor")
            .whereLayer("cuda").mayOnlyAccessLayers("backend", "tensor")
            .whereLayer("tensor").mayNotAccessAnyLayer();

    @ArchTest
    static final ArchRule NO_PACKAGE_CYCLES = slices().matching("org.gan4j.(**)").should().beFreeOfCycles();
}
