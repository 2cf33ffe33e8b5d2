package org.gan4j.api;

/** The gan4j version, written into checkpoints and printed by {@code gan4j --version}; kept equal to the pom's. */
public final class Version {
    /** As in pom.xml. */
    public static final String VERSION = "0.1.0-SNAPSHOT";

    private Version() {
    }
}
