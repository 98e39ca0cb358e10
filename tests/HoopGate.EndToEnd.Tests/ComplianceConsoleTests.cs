using System.Net;
using HoopGate.Admin;
using HoopGate.Demo;
using HoopGate.Testing;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using OpenQA.Selenium;
using OpenQA.Selenium.Chrome;

namespace HoopGate.EndToEnd.Tests;

/// <summary>
/// The compliance console in a real browser (Debian's chromium through chromedriver, driven by Selenium): people sign in
/// through the development issuer's login page (authorization code flow with PKCE), and what they do there reaches psql
/// sessions held through the gateway.
/// </summary>
[Collection(GatewayCollection.Name)]
public sealed class ComplianceConsoleTests(GatewayFixture fixture) : IAsyncLifetime
{
    private const string Policy = """
        version: 1
        everyone:
          statements: [all]
          read: ["*.*"]
          write: ["*.*"]
        groups:
          clinicians:
            unmask: [clinic.patients.*]
        masking:
          columns:
            clinic.patients.ssn: ssn
          classes:
            ssn: { method: partial, keep: 4 }
        guardrails:
          - name: no-drop-database
            action: deny
            reason: databases are dropped by the DBA team
            commands: [DROP DATABASE]
          - name: unbounded-delete
            action: review
            reason: deleting every row needs a second person
            unboundedWrite: true
            review: { mode: wait, timeout: 90s }
        """;

    private static readonly DevelopmentUser Approver = new("alice-approver", "Alice Approver", "alice@clinic.example", ["approvers"]);
    private static readonly DevelopmentUser Auditor = new("carol-auditor", "Carol Auditor", "carol@clinic.example", ["auditors"]);
    private static readonly DevelopmentUser Analyst = new("dave-analyst", "Dave Analyst", "dave@clinic.example", ["staff"]);

    private DevelopmentIssuer _issuer = null!;
    private GatewayInstance _gateway = null!;
    private Uri _console = null!;

    public async Task InitializeAsync()
    {
        _issuer = await DevelopmentIssuer.StartAsync(new DevelopmentIssuerOptions { Users = [Approver, Auditor, Analyst] }).Within();
        _gateway = await GatewayInstance.StartAsync(fixture.Cluster, new Dictionary<string, string?>
        {
            ["HoopGate:Authentication:Mode"] = "Oidc",
            ["HoopGate:Authentication:AllowPlaintextTokens"] = "true",
            ["HoopGate:Oidc:Issuers:0:Issuer"] = _issuer.Issuer,
            ["HoopGate:Oidc:Issuers:0:AllowHttp"] = "true",
            ["HoopGate:Oidc:Issuers:0:Audiences:0"] = "hoopgate",
            ["HoopGate:Grants:0:Group"] = "staff",
            ["HoopGate:Grants:0:Databases:0"] = "hg_test",
            ["HoopGate:Grants:1:Group"] = "clinicians",
            ["HoopGate:Grants:1:Databases:0"] = PostgresCluster.ClinicDatabase,
            ["HoopGate:Policy:Path"] = TestPolicy.Write(Policy),
            ["HoopGate:Admin:Enabled"] = "true",
            ["HoopGate:Admin:Port"] = "0",
            ["HoopGate:Admin:Console:Enabled"] = "true",
            ["HoopGate:Admin:Console:ClientId"] = "hoopgate-console",
        }).Within();
        _console = new Uri(_gateway.Services.GetRequiredService<AdminServer>().BaseAddress!, "/console");
    }

    public async Task DisposeAsync()
    {
        await _gateway.DisposeAsync();
        await _issuer.DisposeAsync();
    }

    [Fact]
    public async Task An_approver_signs_in_sees_what_psql_is_holding_approves_it_and_psql_completes()
    {
        string table = await CreateTableAsync(rows: 3);
        using ChromeDriver browser = StartBrowser();
        SignIn(browser, Approver);
        Assert.DoesNotContain(table, browser.FindElement(By.TagName("main")).Text, StringComparison.Ordinal);

        // psql's DELETE without WHERE is held; the open inbox shows it by itself (server-sent event, then a reload).
        // The justification carries markup, as an attacker's would: it must arrive as text, never as a script.
        const string Markup = "</pre><script>document.title='pwned'</script><b>bold</b>";
        Task<ProcessRunner.Result> psql = RunPsqlAsync("DELETE FROM " + table + " /* justification: clearing the test fixture " + Markup + " */");
        IWebElement review = TypeComment(browser, table, "checked with the fixture's owner"); // typing stops live reloads
        Assert.Contains("DELETE FROM " + table, review.FindElement(By.CssSelector("pre.sql")).Text, StringComparison.Ordinal);
        Assert.Contains("clearing the test fixture " + Markup, review.Text, StringComparison.Ordinal);
        Assert.Empty(review.FindElements(By.TagName("script")));
        Assert.Empty(review.FindElements(By.TagName("b")));
        Assert.DoesNotContain("pwned", browser.Title, StringComparison.Ordinal);
        Assert.Contains("held: the requester's session waits", review.Text, StringComparison.Ordinal);
        Screenshot(browser, "console-inbox.png");

        review.FindElement(By.CssSelector("button.approve")).Click();
        Assert.Contains("Approved review request", WaitFor(browser, By.CssSelector("p.notice")).Text, StringComparison.Ordinal);

        ProcessRunner.Result result = await psql.Within(TimeSpan.FromSeconds(60));
        Assert.True(result.ExitCode == 0, result.Combined);
        Assert.Contains("DELETE 3", result.StandardOutput, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_denial_from_the_console_fails_the_held_statement_with_the_approvers_comment()
    {
        string table = await CreateTableAsync(rows: 2);
        using ChromeDriver browser = StartBrowser();
        SignIn(browser, Approver);
        Task<ProcessRunner.Result> psql = RunPsqlAsync("DELETE FROM " + table);
        IWebElement review = TypeComment(browser, table, "not during clinic hours");
        review.FindElement(By.CssSelector("button.deny")).Click();
        Assert.Contains("Denied review request", WaitFor(browser, By.CssSelector("p.notice")).Text, StringComparison.Ordinal);

        ProcessRunner.Result result = await psql.Within(TimeSpan.FromSeconds(60));
        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("not during clinic hours", result.StandardError, StringComparison.Ordinal);
        Assert.Equal(2L, await CountAsync(table));
    }

    [Fact]
    public async Task A_decision_posted_without_the_antiforgery_token_is_refused_and_the_request_stays_pending()
    {
        string table = await CreateTableAsync(rows: 1);
        using ChromeDriver browser = StartBrowser();
        SignIn(browser, Approver);
        Task<ProcessRunner.Result> psql = RunPsqlAsync("DELETE FROM " + table);
        IWebElement review = TypeComment(browser, table, "forged"); // typing also stops live reloads from restoring the token
        string id = review.GetAttribute("id")!;

        // What a forged cross-site form would send: everything but the token.
        browser.ExecuteScript("document.querySelectorAll('input[name=\"__hoopgate_antiforgery\"]').forEach(function (e) { e.remove(); });");
        review.FindElement(By.CssSelector("button.approve")).Click();
        Assert.Contains("anti-forgery token", WaitFor(browser, By.CssSelector("p.problem")).Text, StringComparison.Ordinal);

        browser.Navigate().GoToUrl(_console);
        WaitFor(browser, By.Id(id)); // still pending
        Assert.False(psql.IsCompleted, "the held statement ran although nobody approved it");
        TypeComment(browser, table, "clean-up").FindElement(By.CssSelector("button.deny")).Click();
        await psql.Within(TimeSpan.FromSeconds(60));
        Assert.Equal(1L, await CountAsync(table));
    }

    [Fact]
    public async Task An_auditor_reads_the_inbox_without_decision_buttons_and_an_analyst_gets_403()
    {
        string table = await CreateTableAsync(rows: 1);
        Task<ProcessRunner.Result> psql = RunPsqlAsync("DELETE FROM " + table);
        using (ChromeDriver browser = StartBrowser())
        {
            SignIn(browser, Auditor);
            // The page may reload itself between looking and reading (live updates): read it whole, again if it did.
            (string text, int buttons) = Retry(() =>
            {
                IWebElement review = WaitForReview(browser, table);
                return (review.Text, review.FindElements(By.CssSelector("button")).Count);
            });
            Assert.Contains("DELETE FROM " + table, text, StringComparison.Ordinal);
            Assert.Equal(0, buttons);
            Assert.Contains("auditor", browser.FindElement(By.CssSelector("header .who")).Text, StringComparison.Ordinal);
        }

        string analystCookie;
        using (ChromeDriver browser = StartBrowser())
        {
            SignIn(browser, Analyst, expectInbox: false);
            Assert.Contains("no role in the console", WaitFor(browser, By.CssSelector("p.problem")).Text, StringComparison.Ordinal);
            Assert.Empty(browser.FindElements(By.CssSelector("article.review")));
            analystCookie = browser.Manage().Cookies.GetCookieNamed("hoopgate-console")?.Value ?? throw new InvalidOperationException("no console cookie");
        }

        // The server itself answers the analyst 403, and sends someone without a cookie to the issuer, with PKCE.
        using var http = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false, UseCookies = false });
        using var asAnalyst = new HttpRequestMessage(HttpMethod.Get, _console);
        asAnalyst.Headers.Add("Cookie", "hoopgate-console=" + analystCookie);
        Assert.Equal(HttpStatusCode.Forbidden, (await http.SendAsync(asAnalyst).Within()).StatusCode);
        HttpResponseMessage anonymous = await http.GetAsync(_console).Within();
        Assert.Equal(HttpStatusCode.Redirect, anonymous.StatusCode);
        Assert.StartsWith(_issuer.Issuer + "/authorize", anonymous.Headers.Location!.ToString(), StringComparison.Ordinal);
        Assert.Contains("code_challenge_method=S256", anonymous.Headers.Location!.Query, StringComparison.Ordinal);
        Assert.Contains("default-src 'none'", anonymous.Headers.GetValues("Content-Security-Policy").Single(), StringComparison.Ordinal);
        Assert.False(psql.IsCompleted, "the held statement ran although nobody approved it");

        // A forged or replayed sign-in callback gets a page saying sign-in failed, and no cookie.
        HttpResponseMessage forged = await http.GetAsync(new Uri(_console, "/console/signin-oidc?code=forged&state=forged")).Within();
        Assert.Equal(HttpStatusCode.Unauthorized, forged.StatusCode);
        Assert.Contains("Signing in did not succeed", await forged.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.False(forged.Headers.TryGetValues("Set-Cookie", out IEnumerable<string>? cookies) && cookies.Any(c => c.StartsWith("hoopgate-console=", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task An_auditor_opens_the_phi_access_report_sees_who_received_raw_values_and_downloads_it_as_csv()
    {
        // A clinician reads SSNs raw (an unmask grant), and someone tries what policy denies.
        string clinician = GatewayFixture.UniqueName("clinician");
        await using (NpgsqlConnection connection = await OpenAsync(clinician, "clinicians", PostgresCluster.ClinicDatabase))
        {
            await using var read = new NpgsqlCommand("SELECT ssn FROM clinic.patients ORDER BY id LIMIT 3", connection);
            await using NpgsqlDataReader rows = await read.ExecuteReaderAsync().Within();
            while (await rows.ReadAsync())
            {
                Assert.DoesNotContain("*", rows.GetString(0), StringComparison.Ordinal);
            }
        }

        string dropper = GatewayFixture.UniqueName("dropper");
        await using (NpgsqlConnection connection = await OpenAsync(dropper, "staff", "hg_test"))
        {
            await using var drop = new NpgsqlCommand("DROP DATABASE console_never_dropped", connection);
            Assert.Equal("42501", (await Assert.ThrowsAsync<PostgresException>(() => drop.ExecuteNonQueryAsync()).Within()).SqlState);
        }

        await _gateway.DrainAuditAsync();
        using ChromeDriver browser = StartBrowser();
        SignIn(browser, Auditor);
        browser.FindElement(By.LinkText("PHI report")).Click();
        IWebElement main = WaitFor(browser, By.CssSelector("svg.chart")).FindElement(By.XPath("ancestor::main"));
        Assert.Contains(clinician + " clinic.patients.ssn 1 3", main.Text, StringComparison.Ordinal);
        Assert.Contains(dropper + " no-drop-database 1", main.Text, StringComparison.Ordinal);
        Assert.Contains("Intact:", main.FindElement(By.CssSelector("p.notice")).Text, StringComparison.Ordinal);
        Screenshot(browser, "console-report.png");

        // The CSV link, fetched with the auditor's cookie as the browser would download it.
        string csvUrl = browser.FindElement(By.Id("csv")).GetAttribute("href")!;
        using var http = new HttpClient(new HttpClientHandler { UseCookies = false });
        using var download = new HttpRequestMessage(HttpMethod.Get, csvUrl);
        download.Headers.Add("Cookie", "hoopgate-console=" + browser.Manage().Cookies.GetCookieNamed("hoopgate-console")!.Value);
        HttpResponseMessage response = await http.SendAsync(download).Within();
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/csv", response.Content.Headers.ContentType!.MediaType);
        Assert.StartsWith("hoopgate-phi-report-", response.Content.Headers.ContentDisposition!.FileName, StringComparison.Ordinal);
        string csv = await response.Content.ReadAsStringAsync();
        Assert.Contains("\"unmasked_phi\",\"" + clinician + "\",\"clinic.patients.ssn\",\"1\",\"3\"", csv, StringComparison.Ordinal);
        Assert.Contains("\"blocked\",\"" + dropper + "\",\"no-drop-database\",\"1\"", csv, StringComparison.Ordinal);
        Assert.Contains("\"chain_verification\",\"intact\"", csv, StringComparison.Ordinal);

        // The activity page finds the clinician's statement; its page names the column returned raw.
        browser.Navigate().GoToUrl(new Uri(_console, "/console/activity?subject=" + Uri.EscapeDataString(clinician)));
        Assert.Contains(PostgresCluster.ClinicDatabase, WaitFor(browser, By.CssSelector("table.sessions tbody")).Text, StringComparison.Ordinal);
        WaitFor(browser, By.CssSelector("table.activity tbody a")).Click();
        Assert.Contains("clinic.patients.ssn", WaitFor(browser, By.TagName("dl")).Text, StringComparison.Ordinal);

        // Reading the audit data is itself in the audit trail: who looked at what, when.
        await _gateway.DrainAuditAsync();
        var builder = new NpgsqlConnectionStringBuilder(fixture.Cluster.SuperuserConnectionString) { Database = "hg_audit" };
        await using var audit = new NpgsqlConnection(builder.ConnectionString);
        await audit.OpenAsync().Within();
        await using var actions = new NpgsqlCommand(
            "SELECT array_agg(DISTINCT action ORDER BY action) FROM hoopgate_audit.console_access WHERE subject = $1 AND occurred_at > now() - interval '5 minutes'", audit);
        actions.Parameters.AddWithValue(Auditor.Subject);
        string[] done = (string[])(await actions.ExecuteScalarAsync().Within())!;
        Assert.Equal(["download_report", "sign_in", "view_activity", "view_inbox", "view_report", "view_statement"], done);
    }

    private async Task<NpgsqlConnection> OpenAsync(string subject, string group, string database)
    {
        NpgsqlConnectionStringBuilder builder = _gateway.ConnectionString(database);
        builder.Username = subject;
        builder.Password = _issuer.CreateToken(new DevelopmentTokenRequest { Subject = subject, Groups = [group] });
        var connection = new NpgsqlConnection(builder.ConnectionString);
        await connection.OpenAsync().Within();
        return connection;
    }

    private static ChromeDriver StartBrowser()
    {
        var options = new ChromeOptions { BinaryLocation = "/usr/bin/chromium" };
        options.AddArguments("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu", "--window-size=1280,900");
        ChromeDriverService service = ChromeDriverService.CreateDefaultService("/usr/bin", "chromedriver");
        service.HideCommandPromptWindow = true;
        service.SuppressInitialDiagnosticInformation = true;
        var driver = new ChromeDriver(service, options, TimeSpan.FromSeconds(180));
        driver.Manage().Timeouts().PageLoad = TimeSpan.FromSeconds(120); // the report reads the whole shared audit store

        return driver;
    }

    /// <summary>Opens the console, is sent to the issuer's login page, picks the user, and lands back on the console.</summary>
    private void SignIn(ChromeDriver browser, DevelopmentUser user, bool expectInbox = true)
    {
        browser.Navigate().GoToUrl(_console);
        WaitFor(browser, By.Id("user-" + user.Subject)).Click();
        if (expectInbox)
        {
            WaitFor(browser, By.CssSelector("header .who"));
            Assert.Equal(_console.AbsolutePath, new Uri(browser.Url).AbsolutePath);
        }
    }

    /// <summary>
    /// Types a comment into the request's form (the page no longer reloads itself then); a live reload between finding
    /// the form and typing is retried.
    /// </summary>
    private static IWebElement TypeComment(ChromeDriver browser, string table, string comment) => Retry(() =>
    {
        IWebElement review = WaitForReview(browser, table);
        review.FindElement(By.Name("comment")).SendKeys(comment);
        return review;
    });

    /// <summary>Runs <paramref name="read"/> again when the page reloaded (or was still loading) under it.</summary>
    private static T Retry<T>(Func<T> read)
    {
        for (int attempt = 0; ; attempt++)
        {
            try
            {
                return read();
            }
            catch (WebDriverException ex) when (Reloaded(ex) && attempt < 10)
            {
                Thread.Sleep(100);
            }
        }
    }

    /// <summary>
    /// What chromedriver says when an element it was asked about went away with a reload: stale, not found, or the
    /// inspector's "node does not belong to the document".
    /// </summary>
    private static bool Reloaded(WebDriverException ex) =>
        ex is StaleElementReferenceException or NoSuchElementException
        || (ex is UnknownErrorException && ex.Message.Contains("does not belong to the document", StringComparison.Ordinal));

    /// <summary>The inbox's article for the statement on <paramref name="table"/> (other tests' requests may be pending too).</summary>
    private static IWebElement WaitForReview(ChromeDriver browser, string table)
    {
        DateTime deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (true)
        {
            try
            {
                if (browser.FindElements(By.CssSelector("article.review")).FirstOrDefault(a => a.FindElement(By.CssSelector("pre.sql")).Text.Contains(table, StringComparison.Ordinal)) is { } found)
                {
                    return found;
                }
            }
            catch (WebDriverException ex) when (Reloaded(ex))
            {
                // The page reloaded (a live update) or is still loading under us: look again.
            }

            if (DateTime.UtcNow >= deadline)
            {
                Assert.Fail("no request for " + table + " on " + browser.Url + " within 30 s:\n" + PageText(browser));
            }

            Thread.Sleep(100);
        }
    }

    private static string PageText(ChromeDriver browser)
    {
        try
        {
            return browser.FindElement(By.TagName("body")).Text;
        }
        catch (WebDriverException)
        {
            return "(the page is loading)";
        }
    }

    private static IWebElement WaitFor(ChromeDriver browser, By by)
    {
        DateTime deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (true)
        {
            var found = browser.FindElements(by);
            if (found.Count > 0)
            {
                return found.First();
            }

            if (DateTime.UtcNow >= deadline)
            {
                Assert.Fail("no " + by + " on " + browser.Url + " within 30 s:\n" + PageText(browser));
            }

            Thread.Sleep(100);
        }
    }

    private static void Screenshot(ChromeDriver browser, string name)
    {
        string directory = Path.Combine(AppContext.BaseDirectory, "screenshots");
        Directory.CreateDirectory(directory);
        browser.GetScreenshot().SaveAsFile(Path.Combine(directory, name));
    }

    private Task<ProcessRunner.Result> RunPsqlAsync(string sql)
    {
        string token = _issuer.CreateToken(new DevelopmentTokenRequest { Subject = "psql-user", Groups = ["staff"] });
        return ProcessRunner.RunAsync("/usr/bin/psql", ["-X", "-v", "ON_ERROR_STOP=1", "-c", sql, _gateway.Uri("hg_test").Replace(GatewayInstance.User + "@", "psql-user@", StringComparison.Ordinal)],
            TimeSpan.FromSeconds(90), new Dictionary<string, string> { ["PGPASSWORD"] = token });
    }

    private async Task<string> CreateTableAsync(int rows)
    {
        string table = GatewayFixture.UniqueName("console");
        await fixture.Cluster.ExecuteAsync($"CREATE TABLE {table} (id int PRIMARY KEY); INSERT INTO {table} SELECT generate_series(1, {rows}); GRANT ALL ON {table} TO PUBLIC", "hg_test").Within();
        return table;
    }

    private async Task<long> CountAsync(string table)
    {
        var builder = new NpgsqlConnectionStringBuilder(fixture.Cluster.SuperuserConnectionString) { Database = "hg_test" };
        await using var connection = new NpgsqlConnection(builder.ConnectionString);
        await connection.OpenAsync().Within();
        await using var count = new NpgsqlCommand("SELECT count(*) FROM " + table, connection);
        return (long)(await count.ExecuteScalarAsync().Within())!;
    }
}
