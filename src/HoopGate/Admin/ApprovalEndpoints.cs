using System.Text.Json;
using HoopGate.Approvals;
using HoopGate.Auth;
using HoopGate.Policy;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Npgsql;

namespace HoopGate.Admin;

/// <summary>
/// Approvers' endpoints. Every call carries <c>Authorization: Bearer &lt;OIDC token&gt;</c>; a caller sees and decides
/// the requests whose approver groups it belongs to (members of the configured approver groups see every request), and
/// never its own.
/// <code>
/// GET  /approvals?status=pending&amp;limit=100   the inbox, newest first (all gateway instances share it)
/// GET  /approvals/{id}                         one request and its trail
/// POST /approvals/{id}/approve  {"comment"}    200 decided or awaiting more approvals; 403 own request or not an approver; 404; 409 no longer pending
/// POST /approvals/{id}/deny     {"comment"}
/// </code>
/// Errors are <c>application/problem+json</c> with a <c>detail</c> saying why.
/// </summary>
internal static class ApprovalEndpoints
{
    private const int MaxCommentLength = 2000;

    public static void Map(WebApplication app, IServiceProvider gateway, TokenValidator tokens)
    {
        ReviewStore store = gateway.GetRequiredService<ReviewStore>();
        var decider = new ReviewDecider(store, gateway.GetRequiredService<ReviewAnnouncer>());
        ApproverRoles roles = ApproverRoles.From(gateway);
        bool IsApprover(TokenIdentity caller) => roles.IsApprover(caller.Groups);

        app.MapGet("/approvals", async (HttpContext context) =>
        {
            if (await BearerCaller.IdentifyAsync(context, tokens) is not { } caller)
            {
                return BearerCaller.Unauthorized();
            }

            ReviewStatus? status = null;
            if (context.Request.Query["status"].ToString() is { Length: > 0 } statusText)
            {
                if (!ReviewStore.TryParse(statusText, out ReviewStatus parsed))
                {
                    return Problem(400, "status must be pending, approved, denied, expired, withdrawn or executed");
                }

                status = parsed;
            }

            if (!IsApprover(caller))
            {
                return Problem(403, "you are in no approver group");
            }

            int limit = int.TryParse(context.Request.Query["limit"], out int l) ? l : 100;
            bool seesAll = roles.SeesAll(caller.Groups);
            IReadOnlyList<ReviewRequest> requests = await store.ListAsync(status, limit, context.RequestAborted);
            return Results.Json(requests.Where(r => seesAll || MayDecide(caller, r)).Select(r => ReviewJson.Of(r)).ToList(), ReviewJson.Options);
        });

        app.MapGet("/approvals/{id:long}", async (long id, HttpContext context) =>
        {
            if (await BearerCaller.IdentifyAsync(context, tokens) is not { } caller)
            {
                return BearerCaller.Unauthorized();
            }

            if (!IsApprover(caller))
            {
                // Before the store is asked: who is no approver learns nothing, not even which requests exist.
                return Problem(403, "you are in no approver group");
            }

            ReviewRequest? request = await store.GetAsync(id, context.RequestAborted);
            if (request is null)
            {
                return Problem(404, "there is no review request " + id);
            }

            if (!MayDecide(caller, request) && !roles.SeesAll(caller.Groups))
            {
                return Problem(403, "you are in none of request " + id + "'s approver groups");
            }

            return Results.Json(ReviewJson.Of(request, await store.EventsAsync(id, context.RequestAborted)), ReviewJson.Options);
        });

        app.MapPost("/approvals/{id:long}/approve", (long id, HttpContext context) => DecideAsync(context, id, approve: true));
        app.MapPost("/approvals/{id:long}/deny", (long id, HttpContext context) => DecideAsync(context, id, approve: false));

        async Task<IResult> DecideAsync(HttpContext context, long id, bool approve)
        {
            if (await BearerCaller.IdentifyAsync(context, tokens) is not { } caller)
            {
                return BearerCaller.Unauthorized();
            }

            string? comment;
            try
            {
                comment = await CommentAsync(context);
            }
            catch (JsonException)
            {
                return Problem(400, "the body must be JSON such as {\"comment\": \"why\"}, or empty");
            }

            if (comment is { Length: > MaxCommentLength })
            {
                return Problem(400, "the comment is longer than " + MaxCommentLength + " characters");
            }

            (int status, string? problem, ReviewRequest? request) = await decider.DecideAsync(id, caller.Subject, caller.Groups, approve, comment, context.RequestAborted);
            return status == 200 ? Results.Json(ReviewJson.Of(request!), ReviewJson.Options) : Problem(status, problem!);
        }
    }

    private static bool MayDecide(TokenIdentity caller, ReviewRequest request) => ApproverRoles.MayDecide(caller.Groups, request);


    private static async Task<string?> CommentAsync(HttpContext context)
    {
        if (context.Request.ContentLength is 0 or null && !context.Request.Headers.ContainsKey("Transfer-Encoding"))
        {
            return null;
        }

        using JsonDocument body = await JsonDocument.ParseAsync(context.Request.Body, cancellationToken: context.RequestAborted);
        return body.RootElement.ValueKind == JsonValueKind.Object && body.RootElement.TryGetProperty("comment", out JsonElement comment)
            && comment.ValueKind == JsonValueKind.String
            ? comment.GetString()
            : null;
    }

    private static IResult Problem(int status, string detail) => Results.Problem(statusCode: status, detail: detail);
}
