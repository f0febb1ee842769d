namespace Vigil.Build;

/// <summary>
/// The PostgreSQL of the import benchmark, named to the load tool by VIGIL_TEST_PG as to the
/// tests: the server that variable already names, else the tests' private server, started here
/// (and stopped again at the end) unless it was already running.
/// </summary>
internal sealed class BenchPostgres : IDisposable
{
    private const string Variable = "VIGIL_TEST_PG";
    private readonly bool _named;
    private readonly bool _started;

    private BenchPostgres(bool named, bool started)
    {
        _named = named;
        _started = started;
    }

    public static BenchPostgres Start()
    {
        if (!string.IsNullOrEmpty(Environment.GetEnvironmentVariable(Variable)))
        {
            return new BenchPostgres(named: false, started: false);
        }
        // Inherited by the load tool that Shell.Run starts.
        Environment.SetEnvironmentVariable(Variable, TestPostgres.ConnectionString);
        return new BenchPostgres(named: true, started: TestPostgres.Start());
    }

    public void Dispose()
    {
        if (_named)
        {
            Environment.SetEnvironmentVariable(Variable, null);
        }
        // A server that was already listening (another run's) is left running, as the test target leaves it.
        if (_started)
        {
            TestPostgres.Stop();
        }
    }
}
