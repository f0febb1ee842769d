using Vigil.Archive.Playback;
using Vigil.Portal.Hooks;
using PortalForm = Vigil.Portal.Hooks.ArchiveForm;
using ServiceForm = Vigil.Archive.Playback.ArchiveForm;

namespace Vigil.Attack.Tests;

/// <summary>
/// The archive's URL forms are read twice: by the portal's hook, which decides (Hooks/ArchiveForm.cs),
/// and by the node's vigil-archive, which serves (Playback/ArchiveRequest.cs). An attacker wins where
/// the two read one name differently: a name the hook takes for live (no archive right needed) or for a
/// narrower window than the service then serves. So for every spelling below that the service would
/// serve, the hook must read an archive form with exactly the window served, or refuse it.
/// </summary>
public sealed class ArchiveFormAgreementAttackTests
{
    // Longer than any node's cap, so that the service's own cap hides nothing here.
    private const long ServiceCap = 7 * 86_400;

    private static IEnumerable<string> Numbers() =>
    [
        "1700000000", "01700000000", "001700000000", "0001700000000", "17000000000", "99999999999", "253402300799",
        "999999999", "0", "1", "60", "86400", "86401", "604800", "9223372036854775807", "18446744073709551616",
        "-60", "+60", " 60", "60 ", "6e1", "0x3c", "١٧٠٠٠٠٠٠٠٠", "１７００００００００", "", "1700000000.5",
    ];

    private static IEnumerable<string> Names()
    {
        foreach (var a in Numbers())
        {
            yield return $"timeshift_abs-{a}.ts";
            yield return $"timeshift_abs-{a}.m3u8";
            yield return $"{a}-preview.jpg";
            foreach (var b in Numbers())
            {
                yield return $"index-{a}-{b}.m3u8";
                yield return $"archive-{a}-{b}.ts";
                yield return $"archive-{a}-{b}.mp4";
            }
        }
        yield return "recording_status.json";
        yield return "index-1700000000-60-60.m3u8";
        yield return "archive--1700000000-60.ts";
        yield return "archive-1700000000--60.mp4";
        yield return "timeshift_abs-1700000000-60.ts";
        yield return "1700000000-60-preview.jpg";
        yield return "-preview.jpg";
    }

    [Test]
    public void EveryNameTheArchiveServesTheHookReadsAsThatArchiveWindowOrRefuses()
    {
        var served = 0;
        foreach (var name in Names())
        {
            if (!ArchiveRequest.TryParse("cam", name, ServiceCap, out var request, out _))
            {
                continue;
            }
            served++;
            var kind = PortalForm.Read(name, out var window);
            Assert.That(kind, Is.Not.EqualTo(ArchiveFormKind.Live), $"{name}: the service serves archive, the hook would decide it as live");
            if (kind == ArchiveFormKind.Malformed)
            {
                continue;
            }
            Assert.That(window.Archive, Is.True, name);
            var (from, to) = request!.Form switch
            {
                ServiceForm.RecordingStatus => (0L, 0L),
                ServiceForm.TimeshiftTs or ServiceForm.TimeshiftPlaylist => (request.From, 0L),
                ServiceForm.Preview => (request.From, request.From + 1),
                _ => (request.From, request.From + request.Duration),
            };
            Assert.That((window.From, window.To), Is.EqualTo((from, to)), $"{name}: the hook checks another window than the service serves");
        }
        // The corpus reaches the service's accepting side, not only its refusals.
        Assert.That(served, Is.GreaterThan(100));
    }
}
