// These tests drive Linux processes, chroot roots, mounts and file modes.
[assembly: System.Runtime.Versioning.SupportedOSPlatform("linux")]
