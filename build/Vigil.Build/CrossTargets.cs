namespace Vigil.Build;

/// <summary>Which C library a target links against: it decides where the sysroot comes from.</summary>
internal enum Libc
{
    Glibc,
    Musl,
}

/// <summary>
/// One camera build: a runtime identifier and everything needed to link and run vigil-agent for it
/// on a Debian x64 build host. crosscompile/README.md explains the matrix; this table is the one
/// place the build program reads it from.
/// </summary>
/// <param name="Rid">The .NET runtime identifier.</param>
/// <param name="Triple">The clang --target the ILCompiler targets pass to the linker (Microsoft.NETCore.Native.Unix.targets derives it from the RID).</param>
/// <param name="GnuTriple">Debian's name for the same target: its cross packages, multiarch folders and libgcc live under it.</param>
/// <param name="DebianArch">Debian's architecture name, for the musl packages of a sysroot.</param>
/// <param name="Libc">glibc comes from Debian's cross packages (/usr/GNU-TRIPLE); musl from Debian's musl packages unpacked into a sysroot.</param>
/// <param name="Packages">The Debian packages the link and the emulated run need on the build host.</param>
/// <param name="Qemu">The qemu-user binary that runs it on an x64 host; null where it runs natively.</param>
internal sealed record CrossTarget(string Rid, string Triple, string GnuTriple, string DebianArch, Libc Libc, string[] Packages, string? Qemu)
{
    /// <summary>The packages every cross link needs: clang as the driver, lld (one linker for every target), llvm-objcopy to strip.</summary>
    private static readonly string[] ClangLld = ["clang", "lld", "llvm"];

    public static readonly IReadOnlyList<CrossTarget> All =
    [
        // The host build: the SDK's default linker (clang, or gcc where clang is absent) and the host's C library.
        new("linux-x64", "x86_64-linux-gnu", "x86_64-linux-gnu", "amd64", Libc.Glibc, [], null),
        new("linux-arm64", "aarch64-linux-gnu", "aarch64-linux-gnu", "arm64", Libc.Glibc,
            [.. ClangLld, "gcc-aarch64-linux-gnu", "libc6-dev-arm64-cross", "qemu-user-static"], "qemu-aarch64-static"),
        new("linux-arm", "armv7-linux-gnueabihf", "arm-linux-gnueabihf", "armhf", Libc.Glibc,
            [.. ClangLld, "gcc-arm-linux-gnueabihf", "libc6-dev-armhf-cross", "qemu-user-static"], "qemu-arm-static"),
        // musl: libgcc comes from the host's gcc (x64) or the glibc cross gcc of the same architecture; it
        // does not depend on the C library. Linked statically, since no camera has a musl libgcc_s.
        new("linux-musl-x64", "x86_64-linux-musl", "x86_64-linux-gnu", "amd64", Libc.Musl,
            [.. ClangLld, "gcc"], null),
        new("linux-musl-arm64", "aarch64-linux-musl", "aarch64-linux-gnu", "arm64", Libc.Musl,
            [.. ClangLld, "gcc-aarch64-linux-gnu", "qemu-user-static"], "qemu-aarch64-static"),
        new("linux-musl-arm", "armv7-linux-musleabihf", "arm-linux-gnueabihf", "armhf", Libc.Musl,
            [.. ClangLld, "gcc-arm-linux-gnueabihf", "qemu-user-static"], "qemu-arm-static"),
    ];

    public static CrossTarget Find(string rid) =>
        All.FirstOrDefault(t => t.Rid == rid)
        ?? throw new BuildException($"no camera build for '{rid}'; the matrix is {string.Join(", ", All.Select(t => t.Rid))}");

    /// <summary>Whether the build host runs this target's binaries natively.</summary>
    public bool IsHost => Rid == AgentPublisher.HostRid;

    /// <summary>
    /// The NativeAOT runtime pack of this target: its framework and runtime, compiled by the host's
    /// ILCompiler package. On net10.0 it is the package that decides whether a RID can be built.
    /// </summary>
    public string RuntimePackage => $"Microsoft.NETCore.App.Runtime.NativeAOT.{Rid}";

    /// <summary>The targets whose stripped binary is held to <see cref="AgentPublisher.SizeBudgetBytes"/>: the ones built and shipped here.</summary>
    public bool HasSizeBudget => Rid is "linux-x64" or "linux-arm64";

    /// <summary>
    /// Where the target's C library lives: the folder qemu-user takes with -L, and for musl the
    /// --sysroot of the link. glibc cross builds need no --sysroot: clang finds /usr/GNU-TRIPLE
    /// through the cross gcc installation.
    /// </summary>
    public string Sysroot => Libc == Libc.Musl ? Path.Combine(Paths.Artifacts, "sysroots", Rid) : IsHost ? "/" : $"/usr/{GnuTriple}";

    /// <summary>The dynamic loader the target's binaries name, relative to the sysroot.</summary>
    public string Loader => (Libc, Rid) switch
    {
        (Libc.Musl, "linux-musl-x64") => "lib/ld-musl-x86_64.so.1",
        (Libc.Musl, "linux-musl-arm64") => "lib/ld-musl-aarch64.so.1",
        (Libc.Musl, _) => "lib/ld-musl-armhf.so.1",
        _ => throw new BuildException($"{Rid}: the glibc loader is the system's"),
    };
}
