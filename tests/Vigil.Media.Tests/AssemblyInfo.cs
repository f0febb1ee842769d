// These tests drive Linux processes and sockets. The fixtures with real peers run side by side:
// most of their time is waiting for 30 s of real-time video.
[assembly: System.Runtime.Versioning.SupportedOSPlatform("linux")]
[assembly: Parallelizable(ParallelScope.Fixtures)]
[assembly: LevelOfParallelism(6)]
