// The agent runs on Linux cameras: these tests use its sockets and file modes as it does.
[assembly: System.Runtime.Versioning.SupportedOSPlatform("linux")]
[assembly: Parallelizable(ParallelScope.Fixtures)]
