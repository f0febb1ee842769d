using System.Net;
using System.Text.Json;
using Vigil.Scan.CameraSim;

// vigil-camsim CONFIG.json: plays the devices of CONFIG inside the current network namespace,
// prints "ready" once every socket is bound, and runs until stdin closes or it is killed.
if (args.Length != 1)
{
    Console.Error.WriteLine("usage: vigil-camsim CONFIG.json");
    return 2;
}
var config = JsonSerializer.Deserialize<SimConfig>(File.ReadAllText(args[0]), SimConfig.Json)
    ?? throw new InvalidOperationException("empty config");
var templates = new Templates(config.DataDir);
using var stop = new CancellationTokenSource();
var sockets = new List<SimSocket>();
sockets.AddRange(new WsdResponder(config, templates).Start(stop.Token));
sockets.AddRange(new MdnsResponder(config).Start(stop.Token));
sockets.AddRange(new SsdpResponder(config).Start(stop.Token));
sockets.AddRange(new VendorResponder(config, templates).Start(stop.Token));

// One web server for all devices, on every port one of them serves ONVIF or UPnP on.
var ports = config.Devices.Where(d => d.Onvif is not null).Select(d => d.Onvif!.Port)
    .Concat(config.Devices.Any(d => d.Ssdp is not null) ? [80] : [])
    .Distinct().ToList();
SimHttpServer? http = null;
if (ports.Count > 0)
{
    // [::] is dual-stack in Kestrel: it takes IPv4 connections too.
    http = await SimHttpServer.StartAsync(config, ports.Select(p => new IPEndPoint(IPAddress.IPv6Any, p)));
}
Console.WriteLine("ready");
Console.Out.Flush();
// The test holds our stdin; when it goes, so do we.
await Task.Run(() => Console.In.ReadToEnd());
stop.Cancel();
if (http is not null)
{
    await http.DisposeAsync();
}
foreach (var s in sockets)
{
    s.Dispose();
}
return 0;
