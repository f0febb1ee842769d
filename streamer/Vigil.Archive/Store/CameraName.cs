namespace Vigil.Archive.Store;

/// <summary>
/// The one check a camera name passes before it becomes part of a path on disk: letters, digits, '-',
/// '_' and '.', not first, at most <see cref="MaxLength"/> characters, as the portal makes them. So a
/// name can never be "..", hold a '/', a '%', a NUL or anything a file system or a decoder could read
/// as more than one segment.
/// </summary>
public static class CameraName
{
    public const int MaxLength = 100;

    public static bool IsValid(ReadOnlySpan<char> name)
    {
        if (name.Length is 0 or > MaxLength || name[0] == '.')
        {
            return false;
        }
        foreach (var c in name)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.'))
            {
                return false;
            }
        }
        return true;
    }
}
