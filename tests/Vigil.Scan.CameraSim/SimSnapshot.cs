using System.Text;

namespace Vigil.Scan.CameraSim;

/// <summary>
/// The still a simulated camera serves at the address GetSnapshotUri gives: a real JPEG (a 32x18
/// test pattern that ffmpeg's testsrc drew) with a comment segment counting the stills taken, so a
/// test can tell a fresh still from a cached one. Behind the same HTTP Digest as the SOAP services,
/// as Hikvision's /onvif-http/snapshot is.
/// </summary>
public sealed class SimSnapshot
{
    private static readonly byte[] Pattern = Convert.FromBase64String(
        "/9j/4AAQSkZJRgABAgAAAQABAAD//gAQTGF2YzU5LjM3LjEwMAD/2wBDAAgQEBMQExYWFhYWFhoYGhsbGxoaGhobGxsdHR0iIiIdHR0bGx0dICAiIiUmJSMjIiMmJigoKDAwLi44ODpFRVP/xACWAAACAwEBAAAAAAAAAAAAAAAHBgUAAQQCAQAABwEBAAAAAAAAAAAAAAAABQYHBAgDAgEQAAEDAgQDBgcBAQAAAAAAAAERAgMABUOCEsEhUUETkQQGMjEiobIzgVJzYmERAAIABAMDCAkFAQEAAAAAAAECAAQDERIFITFRQkHCgUODIsETkbFh0xQyUjMGs3E1dKEVcv/AABEIABIAIAMBEgACEgADEgD/2gAMAwEAAhEDEQA/AB5YYB4iZ7XekBrndFAXh3kfinDy9bZoXSSudGQ5gAQuX3X9RXAoivVRTsAZj7QLaen/ACCb/q0Jardlqnule6F5SN7DdEipmT5XITNWn912o0qZsGCswqEsQSNiq1toxWuCIwzjLa3wjUcVPF51Ope7WsiVVPDe93FtN8K1y49nm2pk8Xap5i0NdGNKqpd1Tk08qsHKKFBVQAAFAAFgAL2AG6ENI/kMpVJASvrbaqe8hT52qossqgKqhwABYADBYADQAQjc3z2VrmmFSsMGK91Tlw7LOd0FS44ebalu6XSFjmNLZFCj2b1T/X/KrPK8XR4w5Up+LTpDHzJbW3FU91Cez3qO05kZTLjNvK8nu4cV/M0+bD9OLdE/5d8Q6eOZryrmaOPMHUi8zwNKNluEVvExla93aaE0AH06lVXN50c0q7VkAbUpy7wdl/boYnNl9WSDGoyG9vlJOz91EOJPZVSy6aepQASnMAHANiuhbFhFrKhDKQLmxuBYWhcTtBsxFI0iFw4r47jbh+kNugPW0kGQgoRoII6e9ebdiZd6JJkkFCNCL6+iPJrh6fCC/JUWosyrKGVgisrAEMDjBBB0II2iNMi6/s+fE7ccPNtVuOHm2p/5Xi6PGBK8XR4wVZ71HacyBnvUdpzIPNxw821W44ebaqVyvF0eMCV4ujxhqc96jtOZAz3qO05kd9kAEAQJ8ER7wSfnW2X7A/nF9Jp8yAKNC2nc9YEdN9mh/wCB6hE+m7PmWaFmLH4hluSSbK9RVGvIAAAOQC0Z0P5HNf7T/q1Y/9k=");

    private int _taken;

    /// <summary>Stills served so far.</summary>
    public int Taken => Volatile.Read(ref _taken);

    /// <summary>huge (an endless body), slow (never finishes), or normal.</summary>
    public string Behaviour { get; set; } = "normal";

    /// <summary>The next still: SOI, a COM segment "still N", then the rest of the pattern.</summary>
    public byte[] Next()
    {
        var n = Interlocked.Increment(ref _taken);
        var comment = Encoding.ASCII.GetBytes($"still {n}");
        var length = comment.Length + 2;
        return [0xFF, 0xD8, 0xFF, 0xFE, (byte)(length >> 8), (byte)length, .. comment, .. Pattern.AsSpan(2)];
    }
}
