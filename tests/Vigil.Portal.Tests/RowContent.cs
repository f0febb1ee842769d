using System.Net;
using System.Text;

namespace Vigil.Portal.Tests;

/// <summary>A CSV body made line by line as the connection takes it, with no length: chunked, never whole in memory.</summary>
internal sealed class RowContent(string header, int rows, Func<int, string> row, Func<int, Task>? before = null) : HttpContent
{
    private int _produced;

    public int Produced => Volatile.Read(ref _produced);

    protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context)
    {
        var buffer = new MemoryStream();
        async Task SendAsync()
        {
            await stream.WriteAsync(buffer.GetBuffer().AsMemory(0, (int)buffer.Length));
            buffer.SetLength(0);
        }
        buffer.Write(Encoding.UTF8.GetBytes(header + "\n"));
        for (var i = 0; i < rows; i++)
        {
            if (before is not null)
            {
                // Whatever precedes this row is on the wire before the test looks.
                await SendAsync();
                await stream.FlushAsync();
                await before(i);
            }
            buffer.Write(Encoding.UTF8.GetBytes(row(i) + "\n"));
            Interlocked.Increment(ref _produced);
            if (buffer.Length > 32 * 1024)
            {
                await SendAsync();
            }
        }
        await SendAsync();
    }

    protected override bool TryComputeLength(out long length)
    {
        length = 0;
        return false;
    }
}
