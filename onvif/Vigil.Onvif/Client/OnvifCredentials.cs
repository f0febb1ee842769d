namespace Vigil.Onvif.Client;

/// <summary>A camera account. <see cref="ToString"/> never shows the password, so logging it is safe.</summary>
public sealed record OnvifCredentials(string Username, string Password)
{
    public override string ToString() => $"{Username} (password hidden)";
}
