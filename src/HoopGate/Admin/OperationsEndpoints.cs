using System.Net.Sockets;
using System.Text;
using HoopGate.Audit;
using HoopGate.Auth;
using HoopGate.Gateway;
using HoopGate.Gateway.Configuration;
using HoopGate.Gateway.Listening;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace HoopGate.Admin;

/// <summary>
/// Operators' endpoints:
/// <code>
/// GET  /healthz                    200 while the process serves
/// GET  /readyz                     200 when the upstream answers TCP, the audit spool can be written and the OIDC keys are loaded; else 503 (JSON says which)
/// GET  /metrics                    Prometheus text: sessions, statements by decision, bytes, masked values, audit backlog, auth failures, latency
/// GET  /sessions                   open sessions (admin groups only)
/// POST /sessions/{id}/terminate    ends one with FATAL 57P01 (admin groups only)
/// </code>
/// Health, readiness and metrics carry no identities or SQL, so they need no token (probes and scrapers have none).
/// </summary>
internal static class OperationsEndpoints
{
    public static void Map(WebApplication app, IServiceProvider gateway, TokenValidator tokens, IReadOnlyList<string> adminGroups)
    {
        GatewayListener listener = gateway.GetRequiredService<GatewayListener>();
        GatewayMetrics metrics = gateway.GetRequiredService<GatewayMetrics>();
        UpstreamOptions upstream = gateway.GetRequiredService<IOptions<UpstreamOptions>>().Value;
        bool audited = gateway.GetRequiredService<IOptions<AuditOptions>>().Value.Mode != AuditMode.Off;
        AuditSpool? spool = audited ? gateway.GetRequiredService<AuditSpool>() : null;
        AuditShipper? shipper = audited ? gateway.GetRequiredService<AuditShipper>() : null;

        app.MapGet("/healthz", () => Results.Text("ok\n"));

        app.MapGet("/readyz", async (HttpContext context) =>
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted);
            timeout.CancelAfter(TimeSpan.FromSeconds(3));
            bool upstreamReachable = await ReachableAsync(upstream.Host, upstream.Port, timeout.Token);
            bool spoolWritable = spool?.IsHealthy ?? true;
            bool keysLoaded = await KeysLoadedAsync(tokens, timeout.Token);
            bool listening = listener.LocalEndPoint is not null;
            var checks = new Dictionary<string, string>
            {
                ["listener"] = listening ? "ok" : "not listening",
                ["upstream"] = upstreamReachable ? "ok" : "unreachable",
                ["audit_spool"] = spool is null ? "off" : spoolWritable ? "ok" : "not writable",
                ["oidc_keys"] = keysLoaded ? "ok" : "not loaded",
            };
            bool ready = listening && upstreamReachable && spoolWritable && keysLoaded;
            return Results.Json(new { ready, checks }, statusCode: ready ? 200 : 503);
        });

        app.MapGet("/metrics", () =>
        {
            var text = new StringBuilder(4096);
            metrics.WriteTo(text, listener.SessionCount, shipper?.Backlog, spool?.IsHealthy);
            return Results.Text(text.ToString(), "text/plain; version=0.0.4; charset=utf-8");
        });

        app.MapGet("/sessions", async (HttpContext context) =>
            await AdminAsync(context, tokens, adminGroups) is { } refused
                ? refused
                : Results.Json(listener.Sessions().Select(s => new
                {
                    id = s.Id,
                    subject = s.Subject,
                    identity = s.Identity,
                    groups = s.Groups,
                    database = s.Database,
                    client_address = s.ClientAddress,
                    application = s.Application,
                    started_at = s.StartedAt,
                    statements = s.Statements,
                    client_tls = s.ClientTls,
                }), ReviewJson.Options));

        app.MapPost("/sessions/{id:long}/terminate", async (long id, HttpContext context) =>
            await AdminAsync(context, tokens, adminGroups) is { } refused
                ? refused
                : listener.Terminate(id)
                    ? Results.Json(new { terminated = id })
                    : Results.Problem(statusCode: 404, detail: "there is no open session " + id));
    }

    /// <summary>Null when the caller is in an admin group; otherwise the 401 or 403 to answer.</summary>
    private static async Task<IResult?> AdminAsync(HttpContext context, TokenValidator tokens, IReadOnlyList<string> adminGroups)
    {
        if (await BearerCaller.IdentifyAsync(context, tokens) is not { } caller)
        {
            return BearerCaller.Unauthorized();
        }

        return caller.Groups.Any(g => adminGroups.Contains(g, StringComparer.Ordinal))
            ? null
            : Results.Problem(statusCode: 403, detail: "sessions are for the admin groups (" + string.Join(", ", adminGroups) + ")");
    }

    private static async Task<bool> ReachableAsync(string host, int port, CancellationToken cancellationToken)
    {
        try
        {
            using var socket = new Socket(SocketType.Stream, ProtocolType.Tcp);
            await socket.ConnectAsync(host, port, cancellationToken);
            return true;
        }
        catch (Exception ex) when (ex is SocketException or OperationCanceledException)
        {
            return false;
        }
    }

    private static async Task<bool> KeysLoadedAsync(TokenValidator tokens, CancellationToken cancellationToken)
    {
        try
        {
            return await tokens.KeysLoadedAsync(cancellationToken);
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }
}
