// These tests drive Linux network namespaces, sockets and processes.
[assembly: System.Runtime.Versioning.SupportedOSPlatform("linux")]
