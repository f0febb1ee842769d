// These tests drive Linux processes, sockets and file modes.
[assembly: System.Runtime.Versioning.SupportedOSPlatform("linux")]
