using System.Globalization;
using HoopGate.Approvals;
using HoopGate.Auth;
using HoopGate.Gateway.Listening;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace HoopGate.Admin;

/// <summary>
/// The compliance console's pages (server-rendered HTML under <c>/console</c>):
/// <code>
/// GET  /console                          the pending inbox of every instance; live (server-sent events) while open
/// POST /console/reviews/{id}/decide      approvers only; decision=approve|deny, comment, anti-forgery token → 302 to the inbox
///                                        with a notice
/// GET  /console/sessions                 admins: this instance's sessions; POST /console/sessions/{id}/terminate (the form names
///                                        the instance that listed it: behind a load balancer another one refuses)
/// GET  /console/events                   text/event-stream: "change" whenever a request is filed or decided anywhere
/// GET  /console/activity, /console/statements/…, /console/report(.csv)   auditors and admins (<see cref="ConsoleReports"/>)
/// POST /console/signout
/// </code>
/// Nobody signed in is sent to the identity provider; someone signed in without a console role gets 403; a form without
/// a valid anti-forgery token gets 400. Notices travel as fixed codes, never as text or SQL in the URL.
/// </summary>
internal static class ConsolePages
{
    private const int MaxCommentLength = 2000;

    /// <summary>This process among several behind one address: session ids are numbered per process.</summary>
    private static readonly string s_instance = Guid.NewGuid().ToString("N");

    private static readonly Dictionary<string, string> Notices = new(StringComparer.Ordinal)
    {
        ["approved"] = "Approved review request {0}.",
        ["denied"] = "Denied review request {0}.",
        ["pending"] = "Your approval of request {0} is recorded; it needs another approver.",
        ["terminated"] = "Session {0} was ended.",
    };

    public static void Map(WebApplication app, IServiceProvider gateway, AdminOptions admin, OidcOptions oidc, ConsoleAudit audit)
    {
        ReviewStore store = gateway.GetRequiredService<ReviewStore>();
        ReviewListener listener = gateway.GetRequiredService<ReviewListener>();
        var decider = new ReviewDecider(store, gateway.GetRequiredService<ReviewAnnouncer>());
        ApproverRoles approvers = ApproverRoles.From(gateway);
        ConsoleGroups groupClaims = ConsoleGroups.For(oidc, admin);

        ConsoleUser? Who(HttpContext context) => ConsoleUser.From(context.User, groupClaims, approvers, admin.Console, admin);

        app.MapGet("/console/assets/console.css", () => Results.Text(ConsoleHtml.Stylesheet, "text/css; charset=utf-8"));
        app.MapGet("/console/assets/console.js", () => Results.Text(ConsoleHtml.Script, "text/javascript; charset=utf-8"));

        app.MapGet("/console", async (HttpContext context) =>
        {
            if (Gate(context, Who(context)) is { } refusal)
            {
                return refusal;
            }

            ConsoleUser user = Who(context)!;

            // Read before the list: the page's event stream compares it, so a change while the page loaded is not missed.
            long version = await store.ChangeCountAsync(context.RequestAborted);
            IReadOnlyList<ReviewRequest> pending = await store.ListAsync(ReviewStatus.Pending, 200, context.RequestAborted);
            var html = new ConsoleHtml();
            html.Raw("<p id=\"stale\" class=\"stale\" hidden data-version=\"" + version.ToString(CultureInfo.InvariantCulture) + "\">Requests changed while you were typing. <a href=\"/console\">Reload</a></p>");
            AppendNotice(html, context);
            List<ReviewRequest> shown = pending.Where(user.Sees).ToList();
            html.Element("p", shown.Count == 0 ? "Nothing is waiting for a decision." : shown.Count + " request(s) waiting for a decision, newest first.");
            string token = AntiforgeryToken(context);
            DateTimeOffset now = DateTimeOffset.UtcNow;
            foreach (ReviewRequest request in shown)
            {
                string id = request.Id.ToString(CultureInfo.InvariantCulture);
                html.Raw("<article class=\"review\" id=\"review-" + id + "\">")
                    .Element("h2", "Request " + id + " · " + request.Rule)
                    .Raw("<dl>")
                    .Element("dt", "Requester").Element("dd", request.RequesterSubject + (request.RequesterEmail is null ? "" : " (" + request.RequesterEmail + ")"))
                    .Element("dt", "Database").Element("dd", request.Database)
                    .Element("dt", "Why it is held").Element("dd", request.Reason)
                    .Element("dt", "Justification").Element("dd", request.Justification ?? "none given")
                    .Element("dt", "Waiting").Element("dd", request.Waiting
                        ? "held: the requester's session waits for the decision"
                        : "retry: the requester runs the statement again once it is approved")
                    .Element("dt", "Age").Element("dd", ConsoleHtml.Age(now - request.CreatedAt) + ", expires in " + ConsoleHtml.Age(request.ExpiresAt - now))
                    .Element("dt", "Approvals").Element("dd", request.Approvals + " of " + request.ApprovalsRequired + " (approver groups: " + string.Join(", ", request.ApproverGroups) + ")")
                    .Raw("</dl>")
                    .Element("pre", request.Sql, "sql");
                if (user.MayDecide(request))
                {
                    html.FormStart("/console/reviews/" + id + "/decide", token, "decide")
                        .Raw("<textarea name=\"comment\" maxlength=\"" + MaxCommentLength + "\" placeholder=\"Comment (kept in the audit trail)\" aria-label=\"Comment\"></textarea>")
                        .Raw("<button type=\"submit\" name=\"decision\" value=\"approve\" class=\"approve\">Approve</button>")
                        .Raw("<button type=\"submit\" name=\"decision\" value=\"deny\" class=\"deny\">Deny</button></form>");
                }
                else if (request.RequesterSubject == user.Subject)
                {
                    html.Element("p", "Your own request: another approver must decide it.");
                }

                html.Raw("</article>");
            }

            if (!ConsoleSignIn.IsAutomatic(context.Request))
            {
                audit.Record(context, user, "view_inbox", shown.Count + " pending request(s) shown");
            }

            return Page(html.Page("Pending approvals", user, token, live: true));
        });

        app.MapPost("/console/reviews/{id:long}/decide", async (long id, HttpContext context) =>
        {
            if (await GatePostAsync(context, Who(context), u => u.IsApprover, "You are in no approver group: auditors and admins read, approvers decide.") is { } refusal)
            {
                return refusal;
            }

            ConsoleUser user = Who(context)!;
            IFormCollection form = await context.Request.ReadFormAsync(context.RequestAborted);
            string? decision = form["decision"];
            if (decision is not ("approve" or "deny"))
            {
                return Problem(context, user, 400, "Choose approve or deny.");
            }

            string? comment = form["comment"].FirstOrDefault() is { Length: > 0 } text ? text : null;
            if (comment is { Length: > MaxCommentLength })
            {
                return Problem(context, user, 400, "The comment is longer than " + MaxCommentLength + " characters.");
            }

            (int status, string? problem, ReviewRequest? request) = await decider.DecideAsync(id, user.Subject, user.Groups, decision == "approve", comment, context.RequestAborted);
            audit.Record(context, user, "decide", decision + " review request " + id.ToString(CultureInfo.InvariantCulture), status);
            if (status != 200)
            {
                return Problem(context, user, status, problem!);
            }

            string notice = decision == "deny" ? "denied" : request!.Status == ReviewStatus.Pending ? "pending" : "approved";
            return Results.Redirect("/console?notice=" + notice + "&id=" + id.ToString(CultureInfo.InvariantCulture), permanent: false, preserveMethod: false);
        });

        app.MapGet("/console/sessions", (HttpContext context) =>
        {
            if (Gate(context, Who(context)) is { } refusal)
            {
                return refusal;
            }

            ConsoleUser user = Who(context)!;
            if (!user.IsAdmin)
            {
                return Problem(context, user, 403, "Sessions are for admins.");
            }

            GatewayListener listener = gateway.GetRequiredService<GatewayListener>();
            string token = AntiforgeryToken(context);
            var html = new ConsoleHtml();
            AppendNotice(html, context);
            html.Raw("<table><thead><tr><th>Session</th><th>Who</th><th>Groups</th><th>Database</th><th>Client</th><th>Since</th><th>Statements</th><th></th></tr></thead><tbody>");
            foreach (SessionInfo session in listener.Sessions())
            {
                string id = session.Id.ToString(CultureInfo.InvariantCulture);
                html.Raw("<tr>").Element("td", id).Element("td", session.Subject + (session.Identity is null ? "" : " (" + session.Identity + ")"))
                    .Element("td", string.Join(", ", session.Groups)).Element("td", session.Database)
                    .Element("td", (session.ClientAddress ?? "") + (session.Application is { Length: > 0 } app ? " · " + app : "") + (session.ClientTls ? " · TLS" : ""))
                    .Element("td", ConsoleHtml.Age(DateTimeOffset.UtcNow - session.StartedAt) + " ago").Element("td", session.Statements.ToString(CultureInfo.InvariantCulture))
                    .Raw("<td>").FormStart("/console/sessions/" + id + "/terminate", token)
                    .Raw("<input type=\"hidden\" name=\"instance\" value=\"" + s_instance + "\"><button type=\"submit\" class=\"deny\">End</button></form></td></tr>");
            }

            html.Raw("</tbody></table>");
            return Page(html.Page("Sessions on this instance", user, token));
        });

        app.MapPost("/console/sessions/{id:long}/terminate", async (long id, HttpContext context) =>
        {
            if (await GatePostAsync(context, Who(context), u => u.IsAdmin, "Sessions are for admins.") is { } refusal)
            {
                return refusal;
            }

            ConsoleUser user = Who(context)!;
            IFormCollection form = await context.Request.ReadFormAsync(context.RequestAborted);
            if (form["instance"] != s_instance)
            {
                return Problem(context, user, 409, "That session list came from another gateway instance; open Sessions again on the one that holds the session.");
            }

            bool ended = gateway.GetRequiredService<GatewayListener>().Terminate(id);
            audit.Record(context, user, "end_session", "session " + id.ToString(CultureInfo.InvariantCulture), ended ? 200 : 404);
            return ended
                ? Results.Redirect("/console/sessions?notice=terminated&id=" + id.ToString(CultureInfo.InvariantCulture))
                : Problem(context, user, 404, "There is no session " + id + " on this instance.");
        });

        app.MapGet("/console/events", async (HttpContext context) =>
        {
            if (Gate(context, Who(context)) is { } refusal)
            {
                await refusal.ExecuteAsync(context);
                return;
            }

            context.Response.ContentType = "text/event-stream";
            using ReviewListener.Subscription changes = await listener.SubscribeAllAsync(context.RequestAborted);
            bool missed = long.TryParse(context.Request.Query["since"], NumberStyles.None, CultureInfo.InvariantCulture, out long since)
                && await store.ChangeCountAsync(context.RequestAborted) != since;
            await context.Response.WriteAsync(missed ? "event: change\ndata: requests\n\n" : ": listening\n\n", context.RequestAborted);
            await context.Response.Body.FlushAsync(context.RequestAborted);

            // The stream does not outlive the sign-in (it does not renew it either): when the cookie lapses the page is told.
            AuthenticateResult signedIn = await context.AuthenticateAsync(CookieAuthenticationDefaults.AuthenticationScheme);
            DateTimeOffset end = signedIn.Properties?.ExpiresUtc ?? DateTimeOffset.UtcNow + TimeSpan.FromMinutes(admin.Console.IdleTimeoutMinutes);
            try
            {
                while (DateTimeOffset.UtcNow < end)
                {
                    TimeSpan wait = TimeSpan.FromSeconds(Math.Clamp((end - DateTimeOffset.UtcNow).TotalSeconds, 0.1, 15));
                    bool changed = await changes.WaitAsync(wait, context.RequestAborted);
                    await context.Response.WriteAsync(changed ? "event: change\ndata: requests\n\n" : ": still here\n\n", context.RequestAborted);
                    await context.Response.Body.FlushAsync(context.RequestAborted);
                }

                await context.Response.WriteAsync("event: expired\ndata: signed out\n\n", context.RequestAborted);
            }
            catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
            {
                // The page went away.
            }
        });

        ConsoleReports.Map(app, gateway, Who, audit);

        app.MapGet("/console/denied", (HttpContext context) =>
            Problem(context, Who(context), 403, "Your groups give you no role in the console (approver, auditor or admin)."));

        app.MapPost("/console/signout", async (HttpContext context) =>
        {
            if (await GatePostAsync(context, Who(context), _ => true, "", needsRole: false) is { } refusal)
            {
                return refusal;
            }

            audit.Record(context, Who(context)!, "sign_out");
            await context.SignOutAsync(CookieAuthenticationDefaults.AuthenticationScheme);
            return Page(new ConsoleHtml().Element("p", "You are signed out of the console.").Raw("<p><a href=\"/console\">Sign in again</a></p>")
                .Page("Signed out", null, ""));
        });
    }

    /// <summary>Nobody signed in: to the identity provider. Signed in without a role: 403.</summary>
    internal static IResult? Gate(HttpContext context, ConsoleUser? user, bool needsRole = true)
    {
        if (user is null && ConsoleSignIn.IsAutomatic(context.Request))
        {
            // The page reloading by itself does not start a sign-in: it says the session ended.
            return Page(new ConsoleHtml().Element("p", "Your console session has ended.", "problem").Raw("<p><a href=\"/console\">Sign in again</a></p>")
                .Page("Signed out", null, ""), 401);
        }

        if (user is null)
        {
            return Results.Challenge(new AuthenticationProperties { RedirectUri = context.Request.Path.StartsWithSegments("/console/events") ? "/console" : context.Request.Path.ToString() });
        }

        return needsRole && !user.HasRole
            ? Problem(context, user, 403, "Your groups give you no role in the console (approver, auditor or admin).")
            : null;
    }

    /// <summary><see cref="Gate"/>, the form's anti-forgery token, then whether the role may do this (else 403 saying why).</summary>
    private static async Task<IResult?> GatePostAsync(HttpContext context, ConsoleUser? user, Func<ConsoleUser, bool> allowed, string notAllowed, bool needsRole = true)
    {
        if (user is null)
        {
            return Problem(context, null, 401, "You are not signed in (any more). Open the console again to sign in.");
        }

        if (Gate(context, user, needsRole) is { } refusal)
        {
            return refusal;
        }

        try
        {
            await context.RequestServices.GetRequiredService<IAntiforgery>().ValidateRequestAsync(context);
            return allowed(user!) ? null : Problem(context, user, 403, notAllowed);
        }
        catch (AntiforgeryValidationException)
        {
            return Problem(context, user, 400, "The form's anti-forgery token is missing or wrong. Reload the page and try again.");
        }
    }

    internal static string AntiforgeryToken(HttpContext context) =>
        context.RequestServices.GetRequiredService<IAntiforgery>().GetAndStoreTokens(context).RequestToken ?? "";

    private static void AppendNotice(ConsoleHtml html, HttpContext context)
    {
        if (context.Request.Query["notice"].ToString() is { } code && Notices.TryGetValue(code, out string? text)
            && long.TryParse(context.Request.Query["id"], NumberStyles.None, CultureInfo.InvariantCulture, out long id))
        {
            html.Element("p", string.Format(CultureInfo.InvariantCulture, text, id), "notice");
        }
    }

    internal static IResult Problem(HttpContext context, ConsoleUser? user, int status, string message)
    {
        string token = user is null ? "" : AntiforgeryToken(context);
        string title = status switch { 400 => "Bad request", 401 => "Not signed in", 403 => "Not allowed", 404 => "Not found", 409 => "Already decided", _ => "Error" };
        return Page(new ConsoleHtml().Element("p", message, "problem").Raw("<p><a href=\"/console\">Back to the inbox</a></p>").Page(title, user, token), status);
    }

    internal static IResult Page(string html, int status = 200) => Results.Content(html, "text/html; charset=utf-8", statusCode: status);
}
