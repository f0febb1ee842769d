using System.Net;

namespace Vigil.Portal.Tests;

/// <summary>A suite with one <see cref="CameraBehindAgent"/>, its camera in a group of its own that tests add users to.</summary>
public abstract class CameraBehindAgentSuite(string database) : PortalSuite(database)
{
    protected CameraBehindAgent Rig { get; private set; } = null!;
    protected string Group { get; private set; } = "";

    [OneTimeSetUp]
    public async Task StartCamera()
    {
        Group = Fixtures.Unique("cam-group");
        Assert.That((await Admin.PostJsonAsync("/api/v1/groups", new { name = Group })).Status, Is.EqualTo(HttpStatusCode.Created));
        Rig = await CameraBehindAgent.StartAsync(Portal, Admin, Group);
    }

    [OneTimeTearDown]
    public async Task StopCamera()
    {
        if (Rig is not null)
        {
            await Rig.DisposeAsync();
        }
    }
}
