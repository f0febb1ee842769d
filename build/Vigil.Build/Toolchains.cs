namespace Vigil.Build;

/// <summary>
/// The linkers, sysroots and emulators of the camera builds (see <see cref="CrossTarget"/>):
/// installs them from Debian's packages, tells the NativeAOT link how to use them, runs the
/// result, and proves a toolchain with a small C program linked the way the agent is linked.
/// </summary>
internal static class Toolchains
{
    /// <summary>A file each package installs, to tell whether it is there.</summary>
    private static readonly Dictionary<string, string> Probes = new(StringComparer.Ordinal)
    {
        ["clang"] = "/usr/bin/clang",
        ["lld"] = "/usr/bin/ld.lld",
        ["llvm"] = "/usr/bin/llvm-objcopy",
        ["gcc"] = "/usr/bin/gcc",
        ["gcc-aarch64-linux-gnu"] = "/usr/bin/aarch64-linux-gnu-gcc",
        ["gcc-arm-linux-gnueabihf"] = "/usr/bin/arm-linux-gnueabihf-gcc",
        ["libc6-dev-arm64-cross"] = "/usr/aarch64-linux-gnu/lib/crt1.o",
        ["libc6-dev-armhf-cross"] = "/usr/arm-linux-gnueabihf/lib/crt1.o",
        ["qemu-user-static"] = "/usr/bin/qemu-aarch64-static",
    };

    /// <summary>Every package of every target, for the test peers (the cross-check tests link for each).</summary>
    public static IEnumerable<(string Package, string Probe)> HostPackages() =>
        CrossTarget.All.SelectMany(t => t.Packages).Distinct().Select(p => (p, Probes[p]));

    /// <summary>Installs what <paramref name="target"/> needs and, for musl, unpacks its sysroot.</summary>
    public static void Ensure(CrossTarget target)
    {
        Apt.Ensure(target.Packages.Select(p => (p, Probes[p])), $"the {target.Rid} build");
        if (target.Libc == Libc.Musl)
        {
            EnsureMuslSysroot(target);
        }
    }

    /// <summary>The MSBuild properties that point the NativeAOT link at this target's toolchain.</summary>
    public static IReadOnlyList<string> LinkProperties(CrossTarget target)
    {
        if (target.IsHost)
        {
            return [];
        }
        // clang drives every cross link (gcc would choke on the --target the ILCompiler targets pass);
        // lld links every architecture, so no per-target binutils is needed.
        var properties = new List<string> { "-p:CppCompilerAndLinker=clang", "-p:LinkerFlavor=lld", "-p:ObjCopyName=llvm-objcopy" };
        if (target.Libc == Libc.Musl)
        {
            properties.Add($"-p:SysRoot={target.Sysroot}");
            properties.Add($"-p:VigilCrossLinkerArgs={string.Join(' ', MuslDriverArgs(target))}");
        }
        return properties;
    }

    /// <summary>
    /// The sysroot holds only musl: crtbegin and libgcc come from the gcc of the same architecture
    /// (they do not depend on the C library), named by folder because clang does not pair a musl
    /// triple with a gnu gcc installation by itself; libgcc is linked in statically because cameras
    /// have no musl libgcc_s.
    /// </summary>
    private static string[] MuslDriverArgs(CrossTarget target)
    {
        var gcc = new[] { "/usr/lib/gcc-cross", "/usr/lib/gcc" }
            .Select(d => Path.Combine(d, target.GnuTriple))
            .Where(Directory.Exists)
            .SelectMany(Directory.GetDirectories)
            .Where(d => File.Exists(Path.Combine(d, "crtbeginS.o")))
            .OrderByDescending(d => int.TryParse(Path.GetFileName(d).Split('.')[0], out var major) ? major : 0)
            .FirstOrDefault() ?? throw new BuildException($"no gcc for {target.GnuTriple} (crtbeginS.o, libgcc) under /usr/lib/gcc-cross or /usr/lib/gcc");
        return [$"-B{gcc}", $"-L{gcc}", "-static-libgcc"];
    }

    /// <summary>How to run a binary of this target here: natively, through musl's loader, or under qemu-user.</summary>
    public static (string File, string[] Prefix) Runner(CrossTarget target)
    {
        if (target.IsHost)
        {
            return ("", []);
        }
        if (target.Qemu is null)
        {
            // Same architecture, other C library: musl's libc.so is also its dynamic loader.
            return (Path.Combine(target.Sysroot, target.Loader), ["--library-path", Path.Combine(target.Sysroot, "usr", "lib")]);
        }
        return (target.Qemu, ["-L", target.Sysroot]);
    }

    /// <summary>Runs a binary of <paramref name="target"/> with arguments; returns its exit code and output.</summary>
    public static (int Code, string Output) Run(CrossTarget target, string binary, params string[] args)
    {
        var (file, prefix) = Runner(target);
        return file.Length == 0 ? Shell.Capture(binary, args) : Shell.Capture(file, [.. prefix, binary, .. args]);
    }

    /// <summary>
    /// Compiles crosscompile/probe/toolchain-probe.c, links it with the options the NativeAOT link
    /// uses for this target (driver, linker, sysroot, PIE, the same system libraries), strips it
    /// as the publish does and runs it. Proves the toolchain half of a camera build where the
    /// feed lacks the target's ILCompiler package.
    /// </summary>
    public static string ProbeToolchain(CrossTarget target)
    {
        Ensure(target);
        var dir = Path.Combine(Paths.Artifacts, "toolchain-probe", target.Rid);
        Directory.CreateDirectory(dir);
        var source = Path.Combine(Paths.Root, "crosscompile", "probe", "toolchain-probe.c");
        var obj = Path.Combine(dir, "toolchain-probe.o");
        var binary = Path.Combine(dir, "toolchain-probe");
        var compiler = target.IsHost ? "cc" : "clang";
        var compile = new List<string> { "-c", "-O2", "-fPIC", source, "-o", obj };
        var link = new List<string> { obj, "-o", binary, "-pie", "-Wl,-pie", "-pthread", "-Wl,--as-needed", "-Wl,-z,relro", "-Wl,-z,now", "-Wl,--eh-frame-hdr" };
        if (!target.IsHost)
        {
            compile.Insert(0, $"--target={target.Triple}");
            link.InsertRange(0, [$"--target={target.Triple}", "-fuse-ld=lld"]);
        }
        if (target.Libc == Libc.Musl)
        {
            // The cross gcc's glibc headers must not shadow musl's: only the compiler's own and the sysroot's.
            var resource = Shell.Capture("clang", ["-print-resource-dir"]).Output.Trim();
            compile.InsertRange(0, ["-nostdinc", "-isystem", Path.Combine(resource, "include"), "-isystem", Path.Combine(target.Sysroot, "usr", "include")]);
            link.InsertRange(0, [$"--sysroot={target.Sysroot}", .. MuslDriverArgs(target)]);
        }
        link.AddRange(["-ldl", "-lrt", "-lm"]);
        Check(Shell.Capture(compiler, compile), $"compiling the toolchain probe for {target.Rid}");
        Check(Shell.Capture(compiler, link), $"linking the toolchain probe for {target.Rid}");
        var strip = target.IsHost ? "objcopy" : "llvm-objcopy";
        Check(Shell.Capture(strip, ["--strip-unneeded", binary]), $"stripping the toolchain probe for {target.Rid}");
        var (code, output) = Run(target, binary, target.Rid);
        if (code != 0 || !output.Contains($"toolchain probe {target.Rid} ok", StringComparison.Ordinal))
        {
            throw new BuildException($"the toolchain probe for {target.Rid} did not run ({code}):\n{output}");
        }
        return output.Trim();
    }

    private static void Check((int Code, string Output) result, string what)
    {
        if (result.Code != 0)
        {
            throw new BuildException($"{what} failed:\n{result.Output}");
        }
    }

    /// <summary>
    /// Unpacks Debian's musl and musl-dev of the target's architecture into a sysroot laid out the
    /// way clang looks for one (usr/include, usr/lib, the loader under lib/). Debian files them under
    /// multiarch folders (usr/include/aarch64-linux-musl...), which clang 14 does not search for musl.
    /// </summary>
    private static void EnsureMuslSysroot(CrossTarget target)
    {
        var sysroot = target.Sysroot;
        var done = Path.Combine(sysroot, ".complete");
        if (File.Exists(done))
        {
            return;
        }
        if (Directory.Exists(sysroot))
        {
            Directory.Delete(sysroot, recursive: true);
        }
        var download = Path.Combine(Paths.Artifacts, "sysroots", $".debs-{target.DebianArch}");
        Directory.CreateDirectory(download);
        Console.WriteLine($"making the {target.Rid} sysroot from Debian's musl packages ({target.DebianArch})");
        var raw = Path.Combine(download, "unpacked");
        foreach (var deb in Apt.Download(target.DebianArch, ["musl", "musl-dev"], download))
        {
            Shell.Run("dpkg-deb", ["-x", deb, raw]);
        }
        var multiarch = Path.GetFileName(Directory.GetDirectories(Path.Combine(raw, "usr", "include")).Single());
        var lib = Path.Combine(sysroot, "usr", "lib");
        Directory.CreateDirectory(lib);
        Directory.CreateDirectory(Path.Combine(sysroot, "lib"));
        Shell.Run("cp", ["-a", Path.Combine(raw, "usr", "include", multiarch), Path.Combine(sysroot, "usr", "include")]);
        Shell.Run("cp", ["-a", Path.Combine(raw, "usr", "lib", multiarch) + "/.", lib]);
        Shell.Run("cp", ["-a", Path.Combine(raw, "lib", multiarch, "libc.so"), lib]);
        File.CreateSymbolicLink(Path.Combine(sysroot, target.Loader), "../usr/lib/libc.so");
        Directory.Delete(raw, recursive: true);
        File.WriteAllText(done, $"musl and musl-dev ({target.DebianArch}) from Debian\n");
    }
}
