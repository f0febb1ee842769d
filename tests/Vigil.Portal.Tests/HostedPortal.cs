using Vigil.Stack;

namespace Vigil.Portal.Tests;

/// <summary>
/// A <see cref="PortalServer"/> as the portal of a <see cref="VigilStack"/>: hosted in the test's
/// process (so that the test reads its log, options and services) on the embedded relay and data
/// folder the stack names, the rest of the stack real processes as ever.
/// </summary>
public sealed class HostedPortal : IStackPortal
{
    private readonly PortalClient _admin;

    private HostedPortal(PortalServer server, PortalClient admin)
    {
        Server = server;
        _admin = admin;
    }

    public PortalServer Server { get; }
    public HttpClient Api => _admin.Http;
    public Uri BaseAddress => Server.BaseAddress;
    public string AdminPassword => Server.Admin.Password;
    public string Log => Server.Log.Text;

    /// <summary>What <see cref="StackOptions.HostPortal"/> takes: a portal on a test database, set as the stack names and then by <paramref name="configure"/>.</summary>
    public static Func<StackPortalLaunch, Task<IStackPortal>> On(Action<PortalOptions>? configure = null) => async launch =>
    {
        var server = await PortalServer.StartAsync(TestDatabases.Sqlite, o =>
        {
            o.EmbeddedRelay = launch.EmbeddedRelay;
            o.EmbeddedRelayApi = launch.EmbeddedRelayApi;
            o.DataDir = launch.DataDir;
            if (launch.Port != 0)
            {
                o.Listen = $"http://127.0.0.1:{launch.Port}";
            }
            configure?.Invoke(o);
        });
        try
        {
            return new HostedPortal(server, await server.AdminAsync());
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }
    };

    public async ValueTask DisposeAsync()
    {
        _admin.Dispose();
        await Server.DisposeAsync();
    }
}
