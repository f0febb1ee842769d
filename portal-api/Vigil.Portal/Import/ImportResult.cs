namespace Vigil.Portal.Import;

/// <summary>A line of the file that was not imported, and why.</summary>
public sealed record ImportError(int Line, string Error);

/// <summary>
/// What an import did: rows created and updated (an existing row counts as updated whether or not
/// the file changed it), and the lines refused, the first <see cref="ImportErrors.MaxListed"/> of
/// them by line number with <see cref="ErrorsNotListed"/> saying how many more there were.
/// </summary>
public sealed record ImportResult(int Created, int Updated, IReadOnlyList<ImportError> Errors, int ErrorsNotListed);

/// <summary>
/// The refused lines of one import, kept in line order. Only the first <see cref="MaxListed"/> are
/// kept so that a file of nothing but bad lines cannot grow the answer without bound; the rest are
/// counted. Errors may arrive a little out of order (a duplicate is found when its batch is
/// staged, after later lines were read), so each goes to its place.
/// </summary>
public sealed class ImportErrors
{
    public const int MaxListed = 1000;

    private readonly List<ImportError> _listed = [];

    public int Count => _listed.Count + NotListed;
    public int NotListed { get; private set; }
    public IReadOnlyList<ImportError> Listed => _listed;

    public void Add(int line, string error)
    {
        if (_listed.Count == MaxListed && line >= _listed[^1].Line)
        {
            NotListed++;
            return;
        }
        var at = _listed.Count;
        while (at > 0 && _listed[at - 1].Line > line)
        {
            at--;
        }
        _listed.Insert(at, new ImportError(line, error));
        if (_listed.Count > MaxListed)
        {
            _listed.RemoveAt(_listed.Count - 1);
            NotListed++;
        }
    }
}
