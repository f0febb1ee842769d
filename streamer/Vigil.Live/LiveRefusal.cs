namespace Vigil.Live;

/// <summary>A viewer's request refused with an HTTP status and a sentence for the page.</summary>
public sealed class LiveRefusal(int status, string message) : Exception(message)
{
    public int Status { get; } = status;
}
