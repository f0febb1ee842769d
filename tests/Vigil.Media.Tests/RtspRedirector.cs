using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Vigil.Media.Tests;

/// <summary>
/// A scripted RTSP server that answers DESCRIBE with a redirect (RFC 2326 section 11.3.3): the
/// GStreamer camera does not redirect, and cameras behind load balancers or with moved streams do.
/// </summary>
internal sealed class RtspRedirector : IDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly string _location;
    private int _redirects;

    public RtspRedirector(string location)
    {
        _location = location;
        _listener.Start();
        Port = ((IPEndPoint)_listener.LocalEndpoint).Port;
        new Thread(Serve) { IsBackground = true, Name = "redirector" }.Start();
    }

    public int Port { get; }
    public int Redirects => Volatile.Read(ref _redirects);

    private void Serve()
    {
        while (true)
        {
            TcpClient client;
            try
            {
                client = _listener.AcceptTcpClient();
            }
            catch (SocketException)
            {
                return;
            }
            using (client)
            {
                try
                {
                    var stream = client.GetStream();
                    var reader = new StreamReader(stream, Encoding.ASCII);
                    while (reader.ReadLine() is { } requestLine)
                    {
                        string? line, cseq = null;
                        while (!string.IsNullOrEmpty(line = reader.ReadLine()))
                        {
                            if (line.StartsWith("CSeq:", StringComparison.OrdinalIgnoreCase))
                            {
                                cseq = line[5..].Trim();
                            }
                        }
                        var redirect = requestLine.StartsWith("DESCRIBE ", StringComparison.Ordinal);
                        var reply = redirect
                            ? $"RTSP/1.0 302 Moved Temporarily\r\nCSeq: {cseq}\r\nLocation: {_location}\r\nContent-Length: 0\r\n\r\n"
                            : $"RTSP/1.0 200 OK\r\nCSeq: {cseq}\r\nPublic: OPTIONS, DESCRIBE\r\nContent-Length: 0\r\n\r\n";
                        stream.Write(Encoding.ASCII.GetBytes(reply));
                        if (redirect)
                        {
                            Interlocked.Increment(ref _redirects);
                        }
                    }
                }
                catch (IOException)
                {
                }
            }
        }
    }

    public void Dispose() => _listener.Stop();
}
