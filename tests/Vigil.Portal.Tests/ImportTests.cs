using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Dapper;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Vigil.Portal.Data;

namespace Vigil.Portal.Tests;

[TestFixtureSource(typeof(TestDatabases), nameof(TestDatabases.Both))]
public sealed class ImportTests(string database)
{
    internal const string CameraHeader = "name,title,stream_url,substream_url,dvr_depth,enabled,access,group,agent_serial,coordinates,postal_address,comment,streamer";

    private PortalServer _portal = null!;
    private PortalClient _admin = null!;

    [OneTimeSetUp]
    public async Task Start()
    {
        _portal = await PortalServer.StartAsync(database);
        _admin = await _portal.AdminAsync();
    }

    [OneTimeTearDown]
    public async Task Stop()
    {
        _admin.Dispose();
        await _portal.DisposeAsync();
    }

    [TearDown]
    public void DumpLog()
    {
        if (TestContext.CurrentContext.Result.Outcome.Status == NUnit.Framework.Interfaces.TestStatus.Failed)
        {
            TestContext.Out.WriteLine(_portal.Log.Text);
        }
    }

    private Database Db => _portal.Services.GetRequiredService<Database>();

    [Test]
    public async Task CamerasAreCreatedAndTheSameFileAgainChangesNothing()
    {
        var p = Prefix();
        var group = await CreateGroupAsync(p + "g");
        var streamer = await CreateStreamerAsync(p + "s");
        var csv = new StringBuilder(CameraHeader + "\n");
        for (var i = 0; i < 50; i++)
        {
            csv.Append($"{p}{i},Camera {i},rtsp://10.0.0.{i}/main,rtsp://10.0.0.{i}/sub,{i % 30},{(i % 2 == 0 ? "true" : "no")},{(i % 3 == 0 ? "public" : "private")},")
                .Append($"{(i % 5 == 0 ? group : "")},SER{i},\"55.7,37.6\",\"Main st, {i}\",note {i},{(i % 7 == 0 ? streamer : "")}\n");
        }
        var first = await ImportAsync("cameras", csv.ToString());
        Assert.That(first.Status, Is.EqualTo(HttpStatusCode.OK), first.Text);
        Assert.That(Counts(first), Is.EqualTo((50, 0, 0)));
        var before = await CamerasAsync(p);
        Assert.That(before, Has.Count.EqualTo(50));
        var c10 = before.Single(c => c.Name == p + "10");
        Assert.That((c10.Title, c10.StreamUrl, c10.DvrDepth, c10.Enabled, c10.Access, c10.Group, c10.Coordinates, c10.PostalAddress, c10.Streamer),
            Is.EqualTo(("Camera 10", "rtsp://10.0.0.10/main", 10, true, "private", group, "55.7,37.6", "Main st, 10", (string?)null)));
        var c21 = before.Single(c => c.Name == p + "21");
        Assert.That((c21.Enabled, c21.Access, c21.Group, c21.Streamer), Is.EqualTo((false, "public", (string?)null, streamer)));

        var again = await ImportAsync("cameras", csv.ToString());
        Assert.That(Counts(again), Is.EqualTo((0, 50, 0)), again.Text);
        Assert.That(Json(await CamerasAsync(p)), Is.EqualTo(Json(before)), "every row, its updated_at too, is as it was");
    }

    [Test]
    public async Task UsersAreCreatedAndTheSameFileAgainChangesNothing()
    {
        var p = Prefix();
        var csv = $"""
            login,email,password,is_active,is_admin,note
            {p}ann,ann@example.com,ann-secret-1,true,false,from billing
            {p}bob,bob@example.com,,1,0,external login only
            {p}cat,cat@example.com,cat-secret-2,yes,yes,
            """;
        var first = await ImportAsync("users", csv);
        Assert.That(first.Status, Is.EqualTo(HttpStatusCode.OK), first.Text);
        Assert.That(Counts(first), Is.EqualTo((3, 0, 0)));
        var before = await UsersAsync(p);
        Assert.That(before.Select(u => (u.Login, u.Email, u.Role, u.IsActive, u.Note)), Is.EqualTo(new[]
        {
            (p + "ann", "ann@example.com", "user", true, "from billing"),
            (p + "bob", "bob@example.com", "user", true, "external login only"),
            (p + "cat", "cat@example.com", "admin", true, ""),
        }));
        Assert.That(before[1].PasswordHash, Is.Null, "an empty password makes no local password");
        using (var ann = await _portal.LoginAsync(p + "ann", "ann-secret-1"))
        {
            Assert.That((await ann.GetAsync("/api/v1/auth/whoami")).Status, Is.EqualTo(HttpStatusCode.OK));
        }

        var again = await ImportAsync("users", csv);
        Assert.That(Counts(again), Is.EqualTo((0, 3, 0)), again.Text);
        var after = await UsersAsync(p);
        Assert.That(Json(after), Is.EqualTo(Json(before)), "no row changes, its updated_at neither");
        Assert.That(after.Select(u => u.PasswordHash), Is.EqualTo(before.Select(u => u.PasswordHash)), "a password that still verifies keeps its hash");
        Assert.That(_portal.Log.Text, Does.Not.Contain("ann-secret-1").And.Not.Contain("cat-secret-2"));
        Assert.That(_portal.Log.Text, Does.Contain("import of users: 3 created, 0 updated, 0 errors"));
    }

    [Test]
    public async Task OneBadLineInAThousandWritesNothing()
    {
        var p = Prefix();
        Assert.That(Counts(await ImportAsync("cameras", $"name,title\n{p}0,before\n")), Is.EqualTo((1, 0, 0)));
        var csv = new StringBuilder("name,title,stream_url\n");
        for (var i = 0; i < 1000; i++)
        {
            csv.Append($"{p}{i},after,{(i == 736 ? "ftp://nope/" : $"rtsp://h/{i}")}\n");
        }
        var answer = await ImportAsync("cameras", csv.ToString());
        Assert.That(answer.Status, Is.EqualTo(HttpStatusCode.UnprocessableEntity));
        Assert.That(Counts(answer), Is.EqualTo((0, 0, 1)));
        var error = answer.Json!["errors"]![0]!;
        Assert.That(error["line"]!.GetValue<int>(), Is.EqualTo(738), "the header is line 1, camera 0 line 2");
        Assert.That(error["error"]!.GetValue<string>(), Does.StartWith("stream_url must be a rtsp"));
        Assert.That(await CountAsync("cameras", p), Is.EqualTo(1), "no camera was created");
        Assert.That((await CamerasAsync(p)).Single().Title, Is.EqualTo("before"), "none was updated");
    }

    [Test]
    public async Task PartialModeWritesTheGoodLinesAndReportsTheBadOnes()
    {
        var p = Prefix();
        var csv = $"name,dvr_depth,enabled,access\n{p}a,1,true,public\n{p}b,many,true,public\n{p}c,2,maybe,public\nbad name,3,true,public\n{p}d,4,false,secret\n{p}e,9999,true,public\n{p}f,5,0,authorized\n";
        var answer = await ImportAsync("cameras", csv, "partial");
        Assert.That(answer.Status, Is.EqualTo(HttpStatusCode.OK), answer.Text);
        Assert.That(Counts(answer), Is.EqualTo((2, 0, 5)));
        Assert.That(Errors(answer), Is.EqualTo(new[]
        {
            (3, "dvr_depth must be a whole number"),
            (4, "enabled must be true or false (or 1/0, yes/no)"),
            (5, "name may hold only letters, digits, '-', '_' and '.'"),
            (6, "access must be private, authorized or public"),
            (7, "dvr_depth must be 0 to 3650 days"),
        }));
        Assert.That((await CamerasAsync(p)).Select(c => (c.Name, c.DvrDepth, c.Enabled, c.Access)),
            Is.EqualTo(new[] { (p + "a", 1, true, "public"), (p + "f", 5, false, "authorized") }));
    }

    [Test]
    public async Task AByteOrderMarkAndCrlfLineEndsAreRead()
    {
        var p = Prefix();
        var body = new byte[] { 0xEF, 0xBB, 0xBF }.Concat(Encoding.UTF8.GetBytes($"name,title\r\n{p}a,Первая\r\n{p}b,Second\r\n")).ToArray();
        var answer = await ImportBytesAsync("cameras", body);
        Assert.That(Counts(answer), Is.EqualTo((2, 0, 0)), answer.Text);
        Assert.That((await CamerasAsync(p)).Select(c => c.Title), Is.EqualTo(new[] { "Первая", "Second" }), "no CR is left at the end of a value");
    }

    [Test]
    public async Task QuotedFieldsAreStoredAsMeantAndLaterLinesKeepTheirNumbers()
    {
        var p = Prefix();
        var csv = $"name,title,comment\n" +
                  $"{p}a,\"Gate, north\",\"He said \"\"stop\"\"\"\n" +
                  $"{p}b,Lobby,\"first line\r\nsecond line\nthird line\"\n" +
                  $"{p}c,Yard,\"x\"\n" +
                  $"bad/name,Roof,y\n";
        var answer = await ImportAsync("cameras", csv, "partial");
        Assert.That(Errors(answer), Is.EqualTo(new[] { (7, "name may hold only letters, digits, '-', '_' and '.'") }), "line 3's comment spans three lines");
        var cameras = await CamerasAsync(p);
        Assert.That(cameras.Select(c => (c.Title, c.Comment)), Is.EqualTo(new[]
        {
            ("Gate, north", "He said \"stop\""),
            ("Lobby", "first line\r\nsecond line\nthird line"),
            ("Yard", "x"),
        }));
    }

    [Test]
    public async Task AHeaderThatIsNotOursIsRefusedBeforeAnythingIsRead()
    {
        var unknown = await ImportAsync("cameras", "name,title,colour\ncam,T,red\n");
        Assert.That(unknown.Status, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That(unknown.Error, Does.StartWith("unknown column 'colour'").And.Contain("name,title,stream_url"));

        var missing = await ImportAsync("users", "email,note\na@example.com,x\n");
        Assert.That(missing.Status, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That(missing.Error, Does.StartWith("the column 'login' is required"));

        var twice = await ImportAsync("cameras", "name,Title,title\ncam,a,b\n");
        Assert.That(twice.Error, Is.EqualTo("column 'title' appears twice in the header"));

        var headerless = await ImportAsync("users", "alice,alice@example.com,S3cret pass!,true,false,\n");
        Assert.That(headerless.Status, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That(headerless.Error, Does.Contain("not a column name").And.Not.Contain("S3cret"), "a value that may be a password is not repeated back");
    }

    [Test]
    public async Task JsonAndBinaryBodiesAreRefusedClearly()
    {
        var json = await ImportAsync("cameras", """[{"name": "cam1", "title": "x"}]""");
        Assert.That(json.Status, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That(json.Error, Does.StartWith("the body looks like JSON; the import takes a CSV file of cameras whose first line names the columns"));

        var png = await ImportBytesAsync("cameras", [0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A, 0x00, 0x00, 0x00, 0x0D, 0xFF, 0xD8]);
        Assert.That(png.Status, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That(png.Error, Does.StartWith("the body is not a CSV file of cameras").And.Contain("line 1: field 1 is not UTF-8 text"));

        var utf16 = await ImportBytesAsync("users", [0xFF, 0xFE, .. Encoding.Unicode.GetBytes("login\nann\n")]);
        Assert.That(utf16.Error, Does.Contain("UTF-16"));
    }

    [Test]
    public async Task AnEmptyBodyIsRefused()
    {
        foreach (var kind in new[] { "cameras", "users" })
        {
            var answer = await ImportBytesAsync(kind, []);
            Assert.That(answer.Status, Is.EqualTo(HttpStatusCode.BadRequest));
            Assert.That(answer.Error, Does.StartWith("the body is empty"));
        }
    }

    [Test]
    public async Task AnOversizeFieldIsALineErrorAndTheRestIsRead()
    {
        var p = Prefix();
        var csv = $"name,comment\n{p}a,ok\n{p}b,\"{new string('x', 70_000)}\"\n{p}c,ok\n";
        var answer = await ImportAsync("cameras", csv, "partial");
        Assert.That(Errors(answer), Is.EqualTo(new[] { (3, "a field is longer than 65,536 bytes") }));
        Assert.That((await CamerasAsync(p)).Select(c => c.Name), Is.EqualTo(new[] { p + "a", p + "c" }));
        // Within the cap but over the JSON API's own limit for the column: the same refusal as there.
        var long2 = await ImportAsync("cameras", $"name,comment\n{p}d,{new string('y', 2001)}\n");
        Assert.That(Errors(long2), Is.EqualTo(new[] { (2, "comment is longer than 2000 characters") }));
    }

    [Test]
    public async Task SqlMetacharactersAreStoredVerbatim()
    {
        var p = Prefix();
        const string title = "'); DROP TABLE cameras; --";
        const string comment = "\" OR 1=1 -- \\ % _ $1 @name ;";
        var csv = $"name,title,comment\n{p}a,\"{title}\",\"{comment.Replace("\"", "\"\"", StringComparison.Ordinal)}\"\n";
        Assert.That(Counts(await ImportAsync("cameras", csv)), Is.EqualTo((1, 0, 0)));
        var camera = (await CamerasAsync(p)).Single();
        Assert.That(camera.Title, Is.EqualTo(title));
        Assert.That(camera.Comment, Is.EqualTo(comment));
        Assert.That(await CountAsync("cameras", ""), Is.GreaterThan(0), "the table is still there");

        var users = await ImportAsync("users", $"login,note\n{p}o'brien,\"x'); DELETE FROM users; --\"\n");
        Assert.That(Counts(users), Is.EqualTo((1, 0, 0)), users.Text);
        Assert.That((await UsersAsync(p)).Single().Note, Is.EqualTo("x'); DELETE FROM users; --"));
        Assert.That((await _admin.GetAsync("/api/v1/auth/whoami")).Status, Is.EqualTo(HttpStatusCode.OK), "no user was deleted");
    }

    [Test]
    public async Task OnlyStaffImportCamerasAndOnlyAdminsImportUsers()
    {
        var p = Prefix();
        var (user, _) = await _portal.UserAsync(_admin, p + "user");
        var (op, _) = await _portal.UserAsync(_admin, p + "op", "operator");
        using var anonymous = _portal.Anonymous();
        var cameras = $"name\n{p}cam\n";
        var users = $"login\n{p}new\n";
        Assert.That((await ImportAsync("cameras", cameras, client: anonymous)).Status, Is.EqualTo(HttpStatusCode.Unauthorized));
        Assert.That((await ImportAsync("users", users, client: anonymous)).Status, Is.EqualTo(HttpStatusCode.Unauthorized));
        Assert.That((await ImportAsync("cameras", cameras, client: user)).Status, Is.EqualTo(HttpStatusCode.Forbidden));
        Assert.That((await ImportAsync("users", users, client: user)).Status, Is.EqualTo(HttpStatusCode.Forbidden));
        Assert.That((await ImportAsync("users", users, client: op)).Status, Is.EqualTo(HttpStatusCode.Forbidden));
        Assert.That(await CountAsync("cameras", p), Is.Zero);
        Assert.That(await CountAsync("users", p + "new"), Is.Zero);
        var byOperator = await ImportAsync("cameras", cameras, client: op);
        Assert.That(byOperator.Status, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(Counts(byOperator), Is.EqualTo((1, 0, 0)));
    }

    [Test]
    public async Task GroupsAndStreamersMustExist()
    {
        var p = Prefix();
        var group = await CreateGroupAsync(p + "g");
        var streamer = await CreateStreamerAsync(p + "s");
        var csv = $"name,group,streamer\n{p}a,{group},{streamer}\n{p}b,{p}nogroup,\n{p}c,,{p}nostreamer\n{p}d,{p}nogroup,\n";
        var answer = await ImportAsync("cameras", csv);
        Assert.That(answer.Status, Is.EqualTo(HttpStatusCode.UnprocessableEntity));
        Assert.That(Errors(answer), Is.EqualTo(new[] { (3, $"no group '{p}nogroup'"), (4, $"no streamer '{p}nostreamer'"), (5, $"no group '{p}nogroup'") }));
        Assert.That(await CountAsync("groups", p), Is.EqualTo(1), "a missing group is not made");

        Assert.That(Counts(await ImportAsync("cameras", $"name,group,streamer\n{p}a,{group},{streamer}\n")), Is.EqualTo((1, 0, 0)));
        Assert.That(Counts(await ImportAsync("cameras", $"name,group,streamer\n{p}a,,\n")), Is.EqualTo((0, 1, 0)));
        var cleared = (await CamerasAsync(p)).Single();
        Assert.That((cleared.Group, cleared.Streamer), Is.EqualTo(((string?)null, (string?)null)), "an empty group or streamer clears it, as in the JSON API");
    }

    [Test]
    public async Task ANameTwiceInOneFileIsAnError()
    {
        var p = Prefix();
        var csv = new StringBuilder("name,title\n");
        for (var i = 0; i < 2500; i++)
        {
            csv.Append($"{p}{i},first\n");
        }
        csv.Append($"{p}7,again\n{p}2400,again\n{p}x,new\n{p}x,again\n");
        var answer = await ImportAsync("cameras", csv.ToString(), "partial");
        Assert.That(Counts(answer), Is.EqualTo((2501, 0, 3)));
        Assert.That(Errors(answer), Is.EqualTo(new[]
        {
            (2502, $"camera '{p}7' is also on line 9 (each may appear once)"),
            (2503, $"camera '{p}2400' is also on line 2402 (each may appear once)"),
            (2505, $"camera '{p}x' is also on line 2504 (each may appear once)"),
        }));
        Assert.That((await CamerasAsync(p)).Where(c => c.Name is var n && (n == p + "7" || n == p + "x")).Select(c => c.Title),
            Is.EqualTo(new[] { "first", "new" }), "the first of a name is the one written");

        var logins = await ImportAsync("users", $"login\n{p}u\n{p}u\n");
        Assert.That(Errors(logins), Is.EqualTo(new[] { (3, $"user '{p}u' is also on line 2 (each may appear once)") }));
    }

    [Test]
    public async Task ColumnsTheFileLacksKeepTheirValuesOrTakeDefaults()
    {
        var p = Prefix();
        var group = await CreateGroupAsync(p + "g");
        Assert.That(Counts(await ImportAsync("cameras", $"{CameraHeader}\n{p}a,Old,rtsp://h/a,,30,false,public,{group},S1,1 2,Addr,Note,\n")), Is.EqualTo((1, 0, 0)));
        var answer = await ImportAsync("cameras", $"title,name\nNew,{p}a\nFresh,{p}b\n");
        Assert.That(Counts(answer), Is.EqualTo((1, 1, 0)), answer.Text);
        var cameras = await CamerasAsync(p);
        var a = cameras[0];
        Assert.That((a.Title, a.StreamUrl, a.DvrDepth, a.Enabled, a.Access, a.Group, a.AgentSerial, a.Coordinates, a.PostalAddress, a.Comment),
            Is.EqualTo(("New", "rtsp://h/a", 30, false, "public", group, "S1", "1 2", "Addr", "Note")));
        var b = cameras[1];
        Assert.That((b.Title, b.StreamUrl, b.DvrDepth, b.Enabled, b.Access, b.Group), Is.EqualTo(("Fresh", "", 0, true, "private", (string?)null)));

        var users = await ImportAsync("users", $"login,email,note\n{p}u,u@example.com,kept\n");
        Assert.That(Counts(users), Is.EqualTo((1, 0, 0)));
        Assert.That(Counts(await ImportAsync("users", $"login,is_active\n{p}u,true\n")), Is.EqualTo((0, 1, 0)));
        var u = (await UsersAsync(p)).Single();
        Assert.That((u.Email, u.Note, u.Role), Is.EqualTo(("u@example.com", "kept", "user")));
    }

    [Test]
    public async Task IsAdminMakesAdminsAndTakesAdminAwayButLeavesOperators()
    {
        var p = Prefix();
        await _portal.UserAsync(_admin, p + "op", "operator");
        Assert.That(Counts(await ImportAsync("users", $"login,is_admin\n{p}boss,true\n{p}plain,false\n")), Is.EqualTo((2, 0, 0)));
        var answer = await ImportAsync("users", $"login,is_admin\n{p}boss,false\n{p}plain,true\n{p}op,false\n");
        Assert.That(Counts(answer), Is.EqualTo((0, 3, 0)), answer.Text);
        Assert.That((await UsersAsync(p)).Select(u => (u.Login, u.Role)), Is.EqualTo(new[] { (p + "boss", "user"), (p + "op", "operator"), (p + "plain", "admin") }));

        var self = await ImportAsync("users", $"login,is_admin\n{_portal.Admin.Login},no\n");
        Assert.That(Errors(self), Is.EqualTo(new[] { (2, "an admin cannot demote or deactivate their own account") }));
        var selfOff = await ImportAsync("users", $"login,is_active\n{_portal.Admin.Login},false\n");
        Assert.That(selfOff.Status, Is.EqualTo(HttpStatusCode.UnprocessableEntity));
        Assert.That((await _admin.GetAsync("/api/v1/auth/whoami")).Json!["role"]!.GetValue<string>(), Is.EqualTo("admin"));
    }

    [Test]
    public async Task AnEmptyPasswordKeepsTheCurrentOneAndANewOneReplacesIt()
    {
        var p = Prefix();
        Assert.That(Counts(await ImportAsync("users", $"login,password\n{p}u,first-password\n")), Is.EqualTo((1, 0, 0)));
        Assert.That(Counts(await ImportAsync("users", $"login,password\n{p}u,\n")), Is.EqualTo((0, 1, 0)));
        (await _portal.LoginAsync(p + "u", "first-password")).Dispose();
        Assert.That(Counts(await ImportAsync("users", $"login,password\n{p}u,second-password\n")), Is.EqualTo((0, 1, 0)));
        (await _portal.LoginAsync(p + "u", "second-password")).Dispose();
        using var anonymous = _portal.Anonymous();
        var old = await anonymous.PostJsonAsync("/api/v1/auth/login", new { login = p + "u", password = "first-password" });
        Assert.That(old.Status, Is.EqualTo(HttpStatusCode.Unauthorized));
        var shortOne = await ImportAsync("users", $"login,password\n{p}v,short\n");
        Assert.That(Errors(shortOne), Is.EqualTo(new[] { (2, "password must be at least 8 characters") }));
        Assert.That(_portal.Log.Text, Does.Not.Contain("first-password").And.Not.Contain("second-password"));
    }

    [Test]
    public async Task ADeactivatedUserLosesTheirSessions()
    {
        var p = Prefix();
        var (user, _) = await _portal.UserAsync(_admin, p + "leaver");
        Assert.That((await user.GetAsync("/api/v1/auth/whoami")).Status, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(Counts(await ImportAsync("users", $"login,is_active\n{p}leaver,false\n")), Is.EqualTo((0, 1, 0)));
        Assert.That((await user.GetAsync("/api/v1/auth/whoami")).Status, Is.EqualTo(HttpStatusCode.Unauthorized));
        Assert.That(await Db.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM sessions s JOIN users u ON u.id = s.user_id WHERE u.login = @login", new { login = p + "leaver" }), Is.Zero);
    }

    [Test]
    public async Task TheErrorListIsCappedAndSaysHowManyMore()
    {
        var csv = new StringBuilder("name,dvr_depth\n");
        for (var i = 0; i < 2500; i++)
        {
            csv.Append($"c{i},-1\n");
        }
        var answer = await ImportAsync("cameras", csv.ToString());
        Assert.That(answer.Status, Is.EqualTo(HttpStatusCode.UnprocessableEntity));
        Assert.That(answer.Json!["errors"]!.AsArray(), Has.Count.EqualTo(1000));
        Assert.That(answer.Json!["errors"]![999]!["line"]!.GetValue<int>(), Is.EqualTo(1001));
        Assert.That(answer.Json!["errors_not_listed"]!.GetValue<int>(), Is.EqualTo(1500));
    }

    [Test]
    public async Task TheModeIsAllOrPartial()
    {
        var answer = await ImportAsync("cameras", "name\nx\n", "some");
        Assert.That(answer.Status, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That(answer.Error, Is.EqualTo("mode must be all or partial"));
    }

    [Test]
    public async Task AnImportUnderWayDoesNotHoldUpOtherWrites()
    {
        // The rows wait in a staging table until the file has ended: a slow upload holds no write
        // transaction, so the rest of the portal (on SQLite, every other writer) goes on.
        var p = Prefix();
        var halfway = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var goOn = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var content = new RowContent("name,title", 3000, i => $"{p}{i},row {i}", async i =>
        {
            if (i == 2000)
            {
                halfway.SetResult();
                await goOn.Task;
            }
        });
        var import = SendAsync(_admin, "cameras", content, "all");
        await halfway.Task.WaitAsync(TimeSpan.FromSeconds(30));
        var started = System.Diagnostics.Stopwatch.StartNew();
        var other = await _admin.PostJsonAsync("/api/v1/cameras", new { name = p + "other", title = "made meanwhile" });
        Assert.That(other.Status, Is.EqualTo(HttpStatusCode.Created), other.Text);
        // Had the import held SQLite's write lock, the API would have waited out its 10 s busy timeout and failed.
        Assert.That(started.Elapsed, Is.LessThan(TimeSpan.FromSeconds(9)), "the API did not wait for the import");
        Assert.That(await CountAsync("cameras", p), Is.EqualTo(1), "nothing of the file is visible before it has ended");
        goOn.SetResult();
        var answer = await import;
        Assert.That(Counts(answer), Is.EqualTo((3000, 0, 0)), answer.Text);
        Assert.That(await CountAsync("cameras", p), Is.EqualTo(3001));
    }

    [Test]
    public async Task ABadHeaderIsAnsweredWhileTheBodyIsStillComing()
    {
        // The body is read as it arrives: the answer comes while the client has sent only the start
        // of a chunked body and not its end. HttpClient finishes sending before it reads an answer,
        // so this speaks HTTP/1.1 itself.
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(_portal.BaseAddress.Host, _portal.BaseAddress.Port);
        var stream = tcp.GetStream();
        var token = _admin.Http.DefaultRequestHeaders.Authorization!.Parameter;
        const string start = "name,colour\ncam1,red\ncam2,blue\n";
        await stream.WriteAsync(Encoding.ASCII.GetBytes(
            $"POST /api/v1/cameras/import HTTP/1.1\r\nHost: {_portal.BaseAddress.Authority}\r\nAuthorization: Bearer {token}\r\n" +
            $"Content-Type: text/csv\r\nTransfer-Encoding: chunked\r\n\r\n{start.Length:x}\r\n{start}\r\n"));
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var answer = new StringBuilder();
        var buffer = new byte[4096];
        while (!answer.ToString().Contains('}', StringComparison.Ordinal))
        {
            var n = await stream.ReadAsync(buffer, cts.Token);
            if (n == 0)
            {
                break;
            }
            answer.Append(Encoding.UTF8.GetString(buffer, 0, n));
        }
        var text = answer.ToString();
        Assert.That(text, Does.StartWith("HTTP/1.1 400 "));
        var json = System.Text.Json.Nodes.JsonNode.Parse(text[text.IndexOf('{', StringComparison.Ordinal)..(text.LastIndexOf('}') + 1)])!;
        Assert.That(json["error"]!.GetValue<string>(), Does.StartWith("unknown column 'colour'"));
    }

    private static string Prefix() => "t" + Guid.NewGuid().ToString("N")[..8] + "-";

    internal static (int Created, int Updated, int Errors) Counts(PortalClient.Answer answer) =>
        answer.Json is { } json && json["created"] is not null
            ? (json["created"]!.GetValue<int>(), json["updated"]!.GetValue<int>(), json["errors"]!.AsArray().Count + json["errors_not_listed"]!.GetValue<int>())
            : throw new AssertionException($"not an import answer: {(int)answer.Status} {answer.Text}");

    private static (int Line, string Error)[] Errors(PortalClient.Answer answer) =>
        [.. answer.Json!["errors"]!.AsArray().Select(e => (e!["line"]!.GetValue<int>(), e["error"]!.GetValue<string>()))];

    private static string Json<T>(T value) => JsonSerializer.Serialize(value);

    private Task<PortalClient.Answer> ImportAsync(string kind, string csv, string? mode = null, PortalClient? client = null) =>
        ImportBytesAsync(kind, Encoding.UTF8.GetBytes(csv), mode, client);

    private Task<PortalClient.Answer> ImportBytesAsync(string kind, byte[] body, string? mode = null, PortalClient? client = null)
    {
        var content = new ByteArrayContent(body);
        content.Headers.ContentType = new MediaTypeHeaderValue("text/csv");
        return SendAsync(client ?? _admin, kind, content, mode);
    }

    internal static Task<PortalClient.Answer> SendAsync(PortalClient client, string kind, HttpContent content, string? mode) =>
        client.SendAsync(new HttpRequestMessage(HttpMethod.Post, $"/api/v1/{kind}/import{(mode is null ? "" : "?mode=" + mode)}") { Content = content });

    private async Task<List<Camera>> CamerasAsync(string prefix) =>
        [.. await Db.QueryAsync<Camera>($"{CameraStore.Select} WHERE c.name LIKE @like ORDER BY c.name", new { like = prefix + "%" })];

    private async Task<List<User>> UsersAsync(string prefix) =>
        [.. await Db.QueryAsync<User>("SELECT * FROM users WHERE login LIKE @like ORDER BY login", new { like = prefix + "%" })];

    private Task<long> CountAsync(string table, string prefix) =>
        Db.ExecuteScalarAsync<long>($"SELECT COUNT(*) FROM {table} WHERE {(table == "users" ? "login" : "name")} LIKE @like", new { like = prefix + "%" });

    private async Task<string> CreateGroupAsync(string name)
    {
        var created = await _admin.PostJsonAsync("/api/v1/groups", new { name });
        Assert.That(created.Status, Is.EqualTo(HttpStatusCode.Created), created.Text);
        return name;
    }

    private async Task<string> CreateStreamerAsync(string name)
    {
        var streamer = new Streamer { Name = name, Kind = "generic", PublicUrl = "http://streamer.example", IngestUrl = "rtmp://streamer.example/live", HookKeyHash = "-" };
        Assert.That(await _portal.Services.GetRequiredService<StreamerStore>().CreateAsync(streamer), Is.Not.Null);
        return name;
    }
}
