using System.Net;
using Vigil.Portal.Tests;

namespace Vigil.Web.Tests;

/// <summary>
/// In a real Chromium against a real portal holding more users than the users page loads at once:
/// a group's "add member" field offers, as the admin types, a user past the pages shown (the
/// portal's search, not the rows loaded), and adds them; at phone width nothing scrolls sideways.
/// </summary>
[TestFixture]
public sealed class GroupMemberPageTests
{
    private const int Users = 300;
    private const string Group = "far-group";

    [Test]
    public async Task AUserPastThePagesShownIsFoundAndAdded()
    {
        var web = PortalOnly.BuiltWeb();
        await using var portal = await PortalServer.StartAsync(TestDatabases.Sqlite, o => o.WebRoot = web);
        using var admin = await portal.AdminAsync();
        var content = new RowContent("login,email,password,is_active,is_admin,note", Users, i => $"member{i:D4},m{i:D4}@far.example,,true,false,");
        var imported = await ImportTests.SendAsync(admin, "users", content, "all");
        Assert.That(imported.Status, Is.EqualTo(HttpStatusCode.OK), imported.Text);
        var group = await admin.PostJsonAsync("/api/v1/groups", new { name = Group, title = "Far" });
        Assert.That(group.Status, Is.EqualTo(HttpStatusCode.Created), group.Text);
        var far = $"member{Users - 10:D4}";
        var users = await admin.GetAsync($"/api/v1/users?q={far}");
        var farId = users.Json!.AsArray().Single()!["id"]!.GetValue<long>();
        var config = PortalOnly.Config(portal);
        config["far_user"] = far;
        config["group"] = Group;

        var r = await Browser.RunAsync("members", config, TimeSpan.FromMinutes(3));

        Assert.That(r["error"], Is.Null, r.ToJsonString());
        Assert.That(r["page_errors"], Is.Null, r.ToJsonString());
        Assert.That(r["users_rows"]!.GetValue<int>(), Is.LessThan(Users), "the users page shows a page, not every user");
        Assert.That(r["far_row_shown"]!.GetValue<bool>(), Is.False, "the user to add is on no page shown");
        Assert.That(r["offered"]!.AsArray().Select(o => o!.GetValue<string>()), Does.Contain(far), "typing part of the login offers the user");
        Assert.That(r["offered_by_email"]!.AsArray().Select(o => o!.GetValue<string>()), Does.Contain(far), "typing part of the e-mail offers the user");
        Assert.That(r["member_listed"]!.GetValue<bool>(), Is.True, "the group lists the new member");
        var members = await admin.GetAsync($"/api/v1/groups/{Group}/members");
        Assert.That(members.Json!.AsArray().Select(m => (m!["user_id"]!.GetValue<long>(), m["can_dvr"]!.GetValue<bool>())), Is.EqualTo(new[] { (farId, true) }),
            "the portal holds the membership, with the archive right ticked");
        Assert.That(r["unknown_said"]!.GetValue<string>(), Does.Contain("no user with the login nobody-here"), "an unknown login is said plainly");
        Assert.That(r["phone"]!["overflow"]!.GetValue<int>(), Is.EqualTo(0), "#/people does not scroll sideways at 390 px");
        Assert.That(r["phone"]!["unlabelled"]!.AsArray(), Is.Empty, "every control has a name");
    }
}
