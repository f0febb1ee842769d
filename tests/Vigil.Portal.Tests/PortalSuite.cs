namespace Vigil.Portal.Tests;

/// <summary>A suite that runs against one portal per database kind, with its first admin logged in.</summary>
public abstract class PortalSuite(string database)
{
    protected string DatabaseKind { get; } = database;
    protected PortalServer Portal { get; private set; } = null!;
    protected PortalClient Admin { get; private set; } = null!;

    [OneTimeSetUp]
    public async Task StartPortal()
    {
        Portal = await PortalServer.StartAsync(DatabaseKind);
        Admin = await Portal.AdminAsync();
    }

    [OneTimeTearDown]
    public async Task StopPortal() => await Portal.DisposeAsync();
}
