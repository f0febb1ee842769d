using System.Text;
using Vigil.Portal.Data;

namespace Vigil.Portal.Devices;

/// <summary>The camera a user owns for a claimed or given device that has none.</summary>
public static class PrivateCamera
{
    /// <summary>A private camera owned by the user for a device that has none, named after its serial (or its id).</summary>
    public static async Task<Camera> ForAsync(CameraStore cameras, Device device, long userId)
    {
        ArgumentNullException.ThrowIfNull(cameras);
        ArgumentNullException.ThrowIfNull(device);
        var serial = device.Serial.Length > 0 ? device.Serial : device.Id;
        var name = NameFor(serial);
        var camera = await cameras.CreateAsync(new Camera { Name = name, Title = $"{device.Model} {serial}".Trim(), AgentSerial = device.Serial, OwnerId = userId })
            .ConfigureAwait(false) ?? await cameras.GetAsync(name).ConfigureAwait(false) ?? throw DeviceRefusal.Conflict($"camera '{name}' exists");
        return camera.OwnerId == userId ? camera : throw DeviceRefusal.Conflict($"camera '{name}' exists and belongs to someone else");
    }

    /// <summary>"cam-" and the serial, lowercased, with anything a camera name may not hold turned into '-'.</summary>
    public static string NameFor(string serial)
    {
        var sb = new StringBuilder("cam-");
        foreach (var ch in serial.ToLowerInvariant())
        {
            sb.Append(char.IsAsciiLetterOrDigit(ch) || ch is '-' or '_' ? ch : '-');
        }
        return sb.Length > 64 ? sb.ToString(0, 64) : sb.ToString();
    }
}
