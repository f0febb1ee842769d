using Vigil.Build;

namespace Vigil.Firmware.Tests;

/// <summary>
/// The dependency rules `./build.sh test` checks first: package versions only in
/// Directory.Packages.props, no product project that references tests/, bench/ or stack/, and no
/// stack/ project that references tests/ or bench/.
/// </summary>
[TestFixture]
public sealed class DependencyCheckTests
{
    private string _root = "";

    [SetUp]
    public void MakeTree()
    {
        _root = Directory.CreateTempSubdirectory("vigil-depcheck-").FullName;
        Write("Directory.Packages.props", """
            <Project>
              <ItemGroup>
                <PackageVersion Include="Dapper" Version="2.1.66" />
                <PackageVersion Include="NUnit" Version="4.4.0" />
              </ItemGroup>
            </Project>
            """);
        // What is allowed: a test project on a product project, the stack library and a listed package,
        // the load tool on the portal and the stack library, the demo on the stack library and the
        // portal, a product project on another product project.
        Write("tests/Vigil.X.Tests/Vigil.X.Tests.csproj", Project("""<PackageReference Include="NUnit" /><ProjectReference Include="../../relay/Vigil.Relay/Vigil.Relay.csproj" /><ProjectReference Include="../../stack/Vigil.Stack/Vigil.Stack.csproj" />"""));
        Write("bench/Vigil.LoadTool/Vigil.LoadTool.csproj", Project("""<ProjectReference Include="../../portal-api/Vigil.Portal/Vigil.Portal.csproj" /><ProjectReference Include="../../stack/Vigil.Stack/Vigil.Stack.csproj" />"""));
        Write("stack/Vigil.Stack/Vigil.Stack.csproj", Project(""));
        Write("stack/Vigil.Demo/Vigil.Demo.csproj", Project("""<ProjectReference Include="../Vigil.Stack/Vigil.Stack.csproj" /><ProjectReference Include="../../portal-api/Vigil.Portal/Vigil.Portal.csproj" />"""));
        Write("portal-api/Vigil.Portal/Vigil.Portal.csproj", Project("""<PackageReference Include="Dapper" /><ProjectReference Include="../../relay/Vigil.Relay/Vigil.Relay.csproj" />"""));
        Write("relay/Vigil.Relay/Vigil.Relay.csproj", Project("""<PackageReference Include="Dapper" PrivateAssets="all" />"""));
    }

    [TearDown]
    public void RemoveTree() => Directory.Delete(_root, recursive: true);

    [Test]
    public void ATreeThatKeepsTheRulesPasses()
    {
        Assert.That(DependencyCheck.Find(_root), Is.Empty);
        Assert.DoesNotThrow(() => DependencyCheck.Ensure(_root));
    }

    [Test]
    public void ThisRepositoryKeepsTheRules() =>
        Assert.That(DependencyCheck.Find(Paths.Root), Is.Empty);

    [Test]
    public void AVersionOnAPackageReferenceFailsTheBuild()
    {
        Write("relay/Vigil.Relay/Vigil.Relay.csproj", Project("""<PackageReference Include="Dapper" Version="2.0.0" />"""));
        var e = Assert.Throws<BuildException>(() => DependencyCheck.Ensure(_root))!;
        Assert.That(e.Message, Does.Contain("relay/Vigil.Relay/Vigil.Relay.csproj: PackageReference Dapper sets its own version"));
    }

    [Test]
    public void AVersionOverrideOrAVersionElementFailsTooAndSoDoesATestSettingOne()
    {
        Write("relay/Vigil.Relay/Vigil.Relay.csproj", Project("""<PackageReference Include="Dapper" VersionOverride="2.0.0" />"""));
        Write("tests/Vigil.X.Tests/Vigil.X.Tests.csproj", Project("""<PackageReference Include="NUnit"><Version>3.0.0</Version></PackageReference>"""));
        Assert.That(DependencyCheck.Find(_root), Is.EqualTo(new[]
        {
            "relay/Vigil.Relay/Vigil.Relay.csproj: PackageReference Dapper sets its own version; name it in Directory.Packages.props instead",
            "tests/Vigil.X.Tests/Vigil.X.Tests.csproj: PackageReference NUnit sets its own version; name it in Directory.Packages.props instead",
        }));
    }

    [Test]
    public void APackageThatIsNotListedFailsTheBuildWhereverItIsReferenced()
    {
        Write("onvif/Vigil.Scan/Vigil.Scan.csproj", Project("""<PackageReference Include="Newtonsoft.Json" />"""));
        Write("tests/Directory.Build.props", Project("""<PackageReference Include="Moq" />"""));
        Assert.That(DependencyCheck.Find(_root), Is.EqualTo(new[]
        {
            "onvif/Vigil.Scan/Vigil.Scan.csproj: package Newtonsoft.Json is not listed in Directory.Packages.props",
            "tests/Directory.Build.props: package Moq is not listed in Directory.Packages.props",
        }));
    }

    [TestCase("agent/Vigil.Agent/Vigil.Agent.csproj", "../../tests/Vigil.X.Tests/Vigil.X.Tests.csproj", "tests/Vigil.X.Tests/Vigil.X.Tests.csproj")]
    [TestCase("portal-api/Vigil.Portal/Vigil.Portal.csproj", "../../bench/Vigil.LoadTool/Vigil.LoadTool.csproj", "bench/Vigil.LoadTool/Vigil.LoadTool.csproj")]
    [TestCase("streamer/Vigil.Node/Vigil.Node.csproj", "..\\..\\tests\\Vigil.X.Tests\\Vigil.X.Tests.csproj", "tests/Vigil.X.Tests/Vigil.X.Tests.csproj")]
    [TestCase("protocol/Vigil.Protocol/Vigil.Protocol.csproj", "../../bench/Vigil.LoadTool/Vigil.LoadTool.csproj", "bench/Vigil.LoadTool/Vigil.LoadTool.csproj")]
    public void AProductProjectThatReferencesTestsOrBenchFailsTheBuild(string product, string include, string target)
    {
        Write(product, Project($"""<ProjectReference Include="{include}" />"""));
        var e = Assert.Throws<BuildException>(() => DependencyCheck.Ensure(_root))!;
        Assert.That(e.Message, Does.Contain($"{product}: the product project (in {product.Split('/')[0]}/) references {target}"));
    }

    [TestCase("relay/Vigil.Relay/Vigil.Relay.csproj", "../../stack/Vigil.Stack/Vigil.Stack.csproj", "stack/Vigil.Stack/Vigil.Stack.csproj")]
    public void AProductProjectThatReferencesTheStackLibraryFailsTheBuild(string product, string include, string target)
    {
        Write(product, Project($"""<ProjectReference Include="{include}" />"""));
        var e = Assert.Throws<BuildException>(() => DependencyCheck.Ensure(_root))!;
        Assert.That(e.Message, Does.Contain($"{product}: the product project (in {product.Split('/')[0]}/) references {target}; product code may not depend on stack/"));
    }

    [TestCase("stack/Vigil.Stack/Vigil.Stack.csproj", "../../bench/Vigil.LoadTool/Vigil.LoadTool.csproj", "bench/Vigil.LoadTool/Vigil.LoadTool.csproj")]
    [TestCase("stack/Vigil.Stack/Vigil.Stack.csproj", "../../tests/Vigil.X.Tests/Vigil.X.Tests.csproj", "tests/Vigil.X.Tests/Vigil.X.Tests.csproj")]
    [TestCase("stack/Vigil.Demo/Vigil.Demo.csproj", "../../bench/Vigil.LoadTool/Vigil.LoadTool.csproj", "bench/Vigil.LoadTool/Vigil.LoadTool.csproj")]
    public void AStackProjectThatReferencesTestsOrBenchFailsTheBuild(string project, string include, string target)
    {
        Write(project, Project($"""<ProjectReference Include="{include}" />"""));
        Assert.That(DependencyCheck.Find(_root), Is.EqualTo(new[]
        {
            $"{project}: the stack project (in stack/) references {target}; stack code may not depend on {target.Split('/')[0]}/",
        }));
    }

    [Test]
    public void TheBuildOutputAndTheWebPortalsModulesAreNotRead()
    {
        Write("portal-api/Vigil.Portal/obj/Vigil.Portal.csproj.nuget.g.props", Project("""<PackageReference Include="Unlisted" Version="1.0.0" />"""));
        Write("portal-web/node_modules/x/x.csproj", Project("""<PackageReference Include="Unlisted" Version="1.0.0" />"""));
        Assert.That(DependencyCheck.Find(_root), Is.Empty);
    }

    private static string Project(string items) => $"""<Project Sdk="Microsoft.NET.Sdk"><ItemGroup>{items}</ItemGroup></Project>""";

    private void Write(string relative, string text)
    {
        var path = Path.Combine(_root, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, text);
    }
}
