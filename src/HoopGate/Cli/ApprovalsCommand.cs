using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using HoopGate.Admin;
using HoopGate.Approvals;
using HoopGate.Auth;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace HoopGate.Cli;

/// <summary>
/// <c>hoopgate approvals list|show|approve|deny</c>: the approvers' inbox from a terminal, straight against the audit
/// store the configuration names. Deciding takes the approver's OIDC token (<c>--token</c> or <c>HOOPGATE_TOKEN</c>),
/// validated as the gateway validates every token; the decision is theirs, with the same rules as the admin API.
/// </summary>
internal static class ApprovalsCommand
{
    public static Command Create(Option<FileInfo> configOption)
    {
        var statusOption = new Option<string?>("--status") { Description = "pending (default), approved, denied, expired, withdrawn, executed or all" };
        var limitOption = new Option<int>("--limit") { Description = "At most this many, newest first", DefaultValueFactory = _ => 50 };
        var jsonOption = new Option<bool>("--json") { Description = "Print JSON instead of a table" };
        var list = new Command("list", "List review requests (every gateway instance shares them)") { configOption, statusOption, limitOption, jsonOption };
        list.SetAction(async (parse, cancellationToken) =>
        {
            if (Store(parse.GetValue(configOption)!) is not { } services)
            {
                return 2;
            }

            string status = parse.GetValue(statusOption) ?? "pending";
            ReviewStatus? filter = null;
            if (status != "all")
            {
                if (!ReviewStore.TryParse(status, out ReviewStatus parsed))
                {
                    await Console.Error.WriteLineAsync("hoopgate: --status must be pending, approved, denied, expired, withdrawn, executed or all");
                    return 2;
                }

                filter = parsed;
            }

            return await WithStoreAsync(async () =>
            {
                IReadOnlyList<ReviewRequest> requests = await services.GetRequiredService<ReviewStore>().ListAsync(filter, parse.GetValue(limitOption), cancellationToken);
                if (parse.GetValue(jsonOption))
                {
                    await Console.Out.WriteLineAsync(JsonSerializer.Serialize(requests.Select(r => ReviewJson.Of(r)).ToList(), ReviewJson.Options));
                    return 0;
                }

                await Console.Out.WriteLineAsync("id\tstatus\tcreated_at\trequester\tdatabase\trule\tmode\tapprovals\tsql");
                foreach (ReviewRequest request in requests)
                {
                    await Console.Out.WriteLineAsync(string.Join('\t',
                        request.Id.ToString(CultureInfo.InvariantCulture), ReviewStore.Name(request.Status), Time(request.CreatedAt),
                        request.RequesterEmail ?? request.RequesterSubject, request.Database, request.Rule, request.Waiting ? "wait" : "retry",
                        request.Approvals.ToString(CultureInfo.InvariantCulture) + "/" + request.ApprovalsRequired.ToString(CultureInfo.InvariantCulture),
                        OneLine(request.Sql)));
                }

                return 0;
            });
        });

        var idArgument = new Argument<long>("id") { Description = "The review request's number" };
        var show = new Command("show", "Show one review request, its SQL and its trail") { configOption, idArgument, jsonOption };
        show.SetAction(async (parse, cancellationToken) =>
        {
            if (Store(parse.GetValue(configOption)!) is not { } services)
            {
                return 2;
            }

            long id = parse.GetValue(idArgument);
            return await WithStoreAsync(async () =>
            {
                ReviewStore store = services.GetRequiredService<ReviewStore>();
                if (await store.GetAsync(id, cancellationToken) is not { } request)
                {
                    await Console.Error.WriteLineAsync("hoopgate: there is no review request " + id.ToString(CultureInfo.InvariantCulture));
                    return 1;
                }

                IReadOnlyList<ReviewEvent> events = await store.EventsAsync(id, cancellationToken);
                if (parse.GetValue(jsonOption))
                {
                    await Console.Out.WriteLineAsync(JsonSerializer.Serialize(ReviewJson.Of(request, events), ReviewJson.Options));
                    return 0;
                }

                await Console.Out.WriteLineAsync(Describe(request, events));
                return 0;
            });
        });

        var tokenOption = new Option<string?>("--token") { Description = "Your OIDC token (default: the HOOPGATE_TOKEN environment variable)" };
        var commentOption = new Option<string?>("--comment") { Description = "Why; the requester sees it" };
        return new Command("approvals", "Review requests: list, show, approve or deny statements held by policy")
        {
            list,
            show,
            Decide("approve", "Approve a pending review request (yours cannot be)", approve: true),
            Decide("deny", "Deny a pending review request", approve: false),
        };

        Command Decide(string name, string description, bool approve)
        {
            var command = new Command(name, description) { configOption, idArgument, tokenOption, commentOption };
            command.SetAction(async (parse, cancellationToken) =>
            {
                if (Store(parse.GetValue(configOption)!) is not { } services)
                {
                    return 2;
                }

                string? token = parse.GetValue(tokenOption) ?? Environment.GetEnvironmentVariable("HOOPGATE_TOKEN");
                if (string.IsNullOrEmpty(token))
                {
                    await Console.Error.WriteLineAsync("hoopgate: deciding needs your OIDC token: --token, or HOOPGATE_TOKEN in the environment");
                    return 2;
                }

                if (services.GetService<TokenValidator>() is not { } validator)
                {
                    await Console.Error.WriteLineAsync("hoopgate: the configuration has no OIDC issuer to validate your token (HoopGate:Authentication:Mode must be Oidc)");
                    return 2;
                }

                TokenValidationOutcome outcome = await validator.ValidateAsync(token, cancellationToken);
                if (outcome.Identity is not { } caller)
                {
                    await Console.Error.WriteLineAsync("hoopgate: your token is not valid: " + outcome.Reason);
                    return 2;
                }

                long id = parse.GetValue(idArgument);
                string? comment = parse.GetValue(commentOption);
                return await WithStoreAsync(async () =>
                {
                    (DecisionResult result, ReviewRequest? request) = await services.GetRequiredService<ReviewStore>()
                        .DecideAsync(id, new Approver(caller.Subject, caller.Groups), approve, comment, cancellationToken);
                    string number = id.ToString(CultureInfo.InvariantCulture);
                    switch (result)
                    {
                        case DecisionResult.Decided:
                            await Console.Out.WriteLineAsync("review request " + number + " " + (approve ? "approved" : "denied"));
                            if (!await services.GetRequiredService<ReviewAnnouncer>().SendAsync(request!, approve ? "approved" : "denied", caller.Subject, comment, cancellationToken))
                            {
                                await Console.Error.WriteLineAsync("hoopgate: the decision stands, but the webhook could not announce it");
                            }

                            return 0;
                        case DecisionResult.NeedsMoreApprovals:
                            await Console.Out.WriteLineAsync("approval of review request " + number + " recorded; it needs "
                                + (request!.ApprovalsRequired - request.Approvals).ToString(CultureInfo.InvariantCulture) + " more approver(s)");
                            return 0;
                        case DecisionResult.NotFound:
                            await Console.Error.WriteLineAsync("hoopgate: there is no review request " + number);
                            return 1;
                        case DecisionResult.NotPending:
                            await Console.Error.WriteLineAsync("hoopgate: review request " + number + " is " + ReviewStore.Name(request!.Status) + ", no longer pending");
                            return 1;
                        case DecisionResult.SelfApproval:
                            await Console.Error.WriteLineAsync("hoopgate: you cannot decide your own review request");
                            return 1;
                        case DecisionResult.AlreadyApproved:
                            await Console.Error.WriteLineAsync("hoopgate: you have already approved review request " + number + "; it needs another approver");
                            return 1;
                        default:
                            await Console.Error.WriteLineAsync("hoopgate: you are in none of request " + number + "'s approver groups (" + string.Join(", ", request!.ApproverGroups) + ")");
                            return 1;
                    }
                });
            });
            return command;
        }
    }

    private static IServiceProvider? Store(FileInfo config) => AuditCommand.Services(config);

    private static async Task<int> WithStoreAsync(Func<Task<int>> action)
    {
        try
        {
            return await action();
        }
        catch (Exception ex) when (ex is NpgsqlException or InvalidOperationException)
        {
            await Console.Error.WriteLineAsync("hoopgate: cannot use the review requests in the audit store: " + ex.Message);
            return 2;
        }
    }

    private static string Describe(ReviewRequest request, IReadOnlyList<ReviewEvent> events)
    {
        var text = new System.Text.StringBuilder();
        text.Append("review request ").Append(request.Id).Append(": ").AppendLine(ReviewStore.Name(request.Status));
        text.Append("  requester      ").Append(request.RequesterSubject).Append(request.RequesterEmail is { } email ? " <" + email + ">" : "")
            .Append(" (groups: ").Append(string.Join(", ", request.RequesterGroups)).AppendLine(")");
        text.Append("  database       ").AppendLine(request.Database);
        text.Append("  rule           ").Append(request.Rule).Append(": ").AppendLine(request.Reason);
        text.Append("  justification  ").AppendLine(request.Justification is { } justification ? Printable(justification) : "(none)");
        text.Append("  mode           ").AppendLine(request.Waiting ? "wait (the session holds the statement)" : "retry (the requester runs it again once approved)");
        text.Append("  approvers      ").Append(string.Join(", ", request.ApproverGroups)).Append(" (").Append(request.Approvals).Append(" of ")
            .Append(request.ApprovalsRequired).AppendLine(" approvals)");
        text.Append("  expires        ").AppendLine(Time(request.ExpiresAt));
        text.Append("  sql sha256     ").AppendLine(request.SqlHash);
        text.AppendLine("  sql:");
        foreach (string line in Printable(request.Sql).Split('\n'))
        {
            text.Append("    ").AppendLine(line.TrimEnd('\r'));
        }

        text.AppendLine("  trail:");
        foreach (ReviewEvent step in events)
        {
            text.Append("    ").Append(Time(step.At)).Append(' ').Append(step.Event).Append(" by ").Append(step.Actor)
                .AppendLine(step.Comment is { Length: > 0 } comment ? ": " + comment : "");
        }

        return text.ToString().TrimEnd();
    }

    /// <summary>
    /// Requester-written text as a terminal may show it: control characters (escape sequences, carriage returns) and
    /// bidirectional overrides, which could make a statement look other than it is, are shown as <c>\uXXXX</c>.
    /// </summary>
    private static string Printable(string text)
    {
        var builder = new System.Text.StringBuilder(text.Length);
        foreach (char c in text)
        {
            bool hidden = (char.IsControl(c) && c is not ('\n' or '\t')) || c is (>= '\u202A' and <= '\u202E') or (>= '\u2066' and <= '\u2069') or '\u200E' or '\u200F';
            if (hidden)
            {
                builder.Append("\\u").Append(((int)c).ToString("X4", CultureInfo.InvariantCulture));
            }
            else
            {
                builder.Append(c);
            }
        }

        return builder.ToString();
    }

    private static string Time(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    private static string OneLine(string sql)
    {
        string flat = Printable(string.Join(' ', sql.Split(['\r', '\n', '\t'], StringSplitOptions.RemoveEmptyEntries)).Trim());
        return flat.Length > 120 ? flat[..117] + "..." : flat;
    }
}
