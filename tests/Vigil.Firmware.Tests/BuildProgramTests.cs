using Vigil.Build;

namespace Vigil.Firmware.Tests;

/// <summary>The build program's gates read real tool output; these pin down how they read it.</summary>
[TestFixture]
public sealed class BuildProgramTests
{
    [Test]
    public void TheWarningGateCatchesWarningsFromReferencedProjectsThePackagesAndTheNativeCompiler()
    {
        const string log = """
              Determining projects to restore...
              Vigil.Protocol -> /w/protocol/Vigil.Protocol/bin/Release/net10.0/Vigil.Protocol.dll
            /w/protocol/Vigil.Protocol/Link/LinkSession.cs(41,17): warning CS0168: The variable 'e' is declared but never used [/w/protocol/Vigil.Protocol/Vigil.Protocol.csproj]
            /w/protocol/Vigil.Protocol/Noise/Blake2s.cs(12,5): warning CA1822: Member 'Mix' does not access instance data [/w/protocol/Vigil.Protocol/Vigil.Protocol.csproj]
              Vigil.Agent -> /w/agent/Vigil.Agent/bin/Release/net10.0/linux-x64/vigil-agent.dll
              Generating native code
            ILC : Trim analysis warning IL2026: Vigil.Protocol.Control.ControlMessage.Parse(ReadOnlySpan`1<Byte>): Using member 'System.Text.Json.JsonSerializer.Deserialize' which has 'RequiresUnreferencedCodeAttribute' [/w/agent/Vigil.Agent/Vigil.Agent.csproj]
            ILC : AOT analysis warning IL3050: Org.BouncyCastle.Security.DigestUtilities..cctor(): Using member 'System.Enum.GetValues(Type)' which has 'RequiresDynamicCodeAttribute' [/w/agent/Vigil.Agent/Vigil.Agent.csproj]
            /root/.nuget/packages/microsoft.dotnet.ilcompiler/9.0.20/build/Microsoft.NETCore.Native.targets(309,5): warning IL2104: Assembly 'BouncyCastle.Crypto' produced trim warnings [/w/agent/Vigil.Agent/Vigil.Agent.csproj]
            /w/agent/Vigil.Agent/Vigil.Agent.csproj : warning NU1603: Vigil.Agent depends on Portable.BouncyCastle (>= 1.8.9) but 1.8.9 was not found [/w/agent/Vigil.Agent/Vigil.Agent.csproj]
            ILC : Trim analysis warning IL2026: Vigil.Protocol.Control.ControlMessage.Parse(ReadOnlySpan`1<Byte>): Using member 'System.Text.Json.JsonSerializer.Deserialize' which has 'RequiresUnreferencedCodeAttribute' [/w/agent/Vigil.Agent/Vigil.Agent.csproj]
              vigil-agent -> /w/artifacts/agent/linux-x64/
                0 Warning(s)
                0 Error(s)
            """;
        var warnings = WarningGate.Find(log);
        Assert.That(warnings, Has.Count.EqualTo(6), "each distinct warning once; the summary lines are not warnings");
        Assert.That(warnings, Has.Some.Contains("Vigil.Protocol.csproj]").And.Some.Contains("CS0168"), "a referenced project's compiler warning");
        Assert.That(warnings, Has.Some.Contains("Trim analysis warning IL2026: Vigil.Protocol"), "the native compiler's trim warning in the protocol library");
        Assert.That(warnings, Has.Some.Contains("AOT analysis warning IL3050: Org.BouncyCastle"), "an AOT warning in a package");
        Assert.That(warnings, Has.Some.Contains("warning IL2104: Assembly 'BouncyCastle.Crypto'"));
    }

    [Test]
    public void TheWarningGateLetsACleanPublishThrough()
    {
        const string log = """
              Vigil.Protocol -> /w/protocol/Vigil.Protocol/bin/Release/net10.0/Vigil.Protocol.dll
              Vigil.Agent -> /w/agent/Vigil.Agent/bin/Release/net10.0/linux-x64/vigil-agent.dll
              Generating native code
              vigil-agent -> /w/artifacts/agent/linux-x64/
            Build succeeded. TreatWarningsAsErrors=true; 0 Warning(s)
            """;
        Assert.That(WarningGate.Find(log), Is.Empty);
    }

    [Test]
    public void TheFeedCheckNamesTheMissingRuntimePackWithTheVersionAndTheFeed()
    {
        // What a restore of the feed probe left for linux-arm on net10.0 (2026-12-04): the host's
        // compiler is there, the target's packages are not; the ILCompiler package of the target is
        // asked through a dependency, so only the compiler's download names its version.
        const string assets = """
            {
              "version": 3,
              "project": { "frameworks": { "net10.0": { "downloadDependencies": [
                { "name": "Microsoft.NETCore.App.Host.linux-arm", "version": "[10.0.12, 10.0.12]" },
                { "name": "Microsoft.NETCore.App.Runtime.linux-arm", "version": "[10.0.12, 10.0.12]" },
                { "name": "Microsoft.NETCore.App.Runtime.NativeAOT.linux-arm", "version": "[10.0.12, 10.0.12]" },
                { "name": "runtime.linux-x64.Microsoft.DotNet.ILCompiler", "version": "[10.0.12, 10.0.12]" } ] } } },
              "logs": [
                { "code": "NU1101", "level": "Error", "message": "Unable to find package runtime.linux-arm.Microsoft.DotNet.ILCompiler.", "libraryId": "runtime.linux-arm.Microsoft.DotNet.ILCompiler" },
                { "code": "NU1101", "level": "Error", "message": "Unable to find package Microsoft.NETCore.App.Runtime.linux-arm.", "libraryId": "Microsoft.NETCore.App.Runtime.linux-arm" },
                { "code": "NU1101", "level": "Error", "message": "Unable to find package Microsoft.NETCore.App.Runtime.NativeAOT.linux-arm.", "libraryId": "Microsoft.NETCore.App.Runtime.NativeAOT.linux-arm" },
                { "code": "NU1101", "level": "Error", "message": "Unable to find package Microsoft.NETCore.App.Runtime.linux-arm.", "libraryId": "Microsoft.NETCore.App.Runtime.linux-arm" },
                { "code": "NU1603", "level": "Warning", "message": "resolved a higher version", "libraryId": "Something.Else" }
              ]
            }
            """;
        var missing = NuGetFeeds.ReadMissing(assets);
        Assert.That(missing, Is.EqualTo(new[]
        {
            new NuGetFeeds.Package("runtime.linux-arm.Microsoft.DotNet.ILCompiler", "10.0.12"),
            new NuGetFeeds.Package("Microsoft.NETCore.App.Runtime.linux-arm", "10.0.12"),
            new NuGetFeeds.Package("Microsoft.NETCore.App.Runtime.NativeAOT.linux-arm", "10.0.12"),
        }));
        var message = NuGetFeeds.MissingMessage(CrossTarget.Find("linux-arm"), missing, ["https://api.nuget.org/v3/index.json"]);
        Assert.That(message, Is.EqualTo("the NativeAOT runtime pack Microsoft.NETCore.App.Runtime.NativeAOT.linux-arm 10.0.12 is not on the feed https://api.nuget.org/v3/index.json"
            + " — publish for linux-arm where it is (also missing there: runtime.linux-arm.Microsoft.DotNet.ILCompiler 10.0.12, Microsoft.NETCore.App.Runtime.linux-arm 10.0.12)"));
        Assert.That(NuGetFeeds.MissingMessage(CrossTarget.Find("linux-arm"), missing, ["https://a/index.json", "/opt/feed"]), Does.Contain("is not on the feeds https://a/index.json, /opt/feed"));
    }

    [Test]
    public void TheMatrixHasTheSixCameraRidsEachWithItsRuntimePackAndTheTwoShippedOnesABudget()
    {
        Assert.That(CrossTarget.All.Select(t => t.Rid), Is.EquivalentTo(new[] { "linux-x64", "linux-arm64", "linux-arm", "linux-musl-x64", "linux-musl-arm64", "linux-musl-arm" }));
        Assert.That(CrossTarget.Find("linux-arm").RuntimePackage, Is.EqualTo("Microsoft.NETCore.App.Runtime.NativeAOT.linux-arm"));
        Assert.That(CrossTarget.All.Where(t => t.HasSizeBudget).Select(t => t.Rid), Is.EquivalentTo(new[] { "linux-x64", "linux-arm64" }));
        Assert.That(CrossTarget.Find("linux-arm").Triple, Is.EqualTo("armv7-linux-gnueabihf"), "armv7 hard-float, as the ILCompiler targets name it");
        Assert.That(() => CrossTarget.Find("linux-mips"), Throws.InstanceOf<BuildException>().With.Message.Contains("linux-musl-arm"));
    }
}
