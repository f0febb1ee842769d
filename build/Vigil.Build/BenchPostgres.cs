namespace Vigil.Build;

/// <summary>
/// The PostgreSQL of the import benchmark, named to the load tool by VIGIL_TEST_PG as to the
/// tests: the server that variable already names, else the tests' private server, started here
/// and stopped again at the end.
/// </summary>
internal sealed class BenchPostgres : IDisposable
{
    private const string Variable = "VIGIL_TEST_PG";
    private readonly bool _started;

    private BenchPostgres(bool started) => _started = started;

    public static BenchPostgres Start()
    {
        if (!string.IsNullOrEmpty(Environment.GetEnvironmentVariable(Variable)))
        {
            return new BenchPostgres(started: false);
        }
        TestPostgres.Start();
        // Inherited by the load tool that Shell.Run starts.
        Environment.SetEnvironmentVariable(Variable, TestPostgres.ConnectionString);
        return new BenchPostgres(started: true);
    }

    public void Dispose()
    {
        if (_started)
        {
            TestPostgres.Stop();
            Environment.SetEnvironmentVariable(Variable, null);
        }
    }
}
