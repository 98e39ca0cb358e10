using System.Collections.Concurrent;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.IdentityModel.Tokens;

namespace HoopGate.Demo;

/// <summary>
/// The development issuer's authorization code flow (RFC 6749 section 4.1 with PKCE, RFC 7636), for browser applications
/// such as the compliance console:
/// <code>
/// GET  {Issuer}/authorize?response_type=code&amp;client_id&amp;redirect_uri&amp;state&amp;nonce&amp;code_challenge&amp;code_challenge_method=S256
///      a login page listing <see cref="DevelopmentIssuerOptions.Users"/>; picking one POSTs back here
/// POST {Issuer}/authorize   → 302 to redirect_uri?code=…&amp;state=… (the code is good once, for 60 s)
/// POST {Issuer}/token       grant_type=authorization_code, code, redirect_uri, client_id, code_verifier
///      → {"id_token", "access_token", "token_type": "Bearer", "expires_in"} (both for the client: audience = client id)
/// </code>
/// The page authenticates nobody: anyone who can reach the loopback port can sign in as any listed user, exactly as anyone
/// who can read the key file can mint tokens with <c>hoopgate dev-token</c>. What it hands out is therefore kept narrow:
/// only for <see cref="DevelopmentIssuerOptions.ClientIds"/>, only tokens whose audience is that client (never one the
/// gateway accepts as a database password), PKCE S256 required, redirect URIs on loopback without fragments, at most
/// <see cref="MaxOutstandingCodes"/> codes outstanding.
/// </summary>
public sealed partial class DevelopmentIssuer
{
    private const string AuthorizePath = "/authorize";
    private const string TokenPath = "/token";
    private static readonly TimeSpan CodeLifetime = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan SignInLifetime = TimeSpan.FromMinutes(10);
    private const int MaxOutstandingCodes = 1000;

    private readonly ConcurrentDictionary<string, AuthorizationGrant> _codes = new(StringComparer.Ordinal);

    private void MapAuthorizationCodeFlow(WebApplication app)
    {
        app.MapGet(IssuerPath + AuthorizePath, ShowLoginPageAsync);
        app.MapPost(IssuerPath + AuthorizePath, SignInAsync);
        app.MapPost(IssuerPath + TokenPath, ExchangeCodeAsync);
    }

    /// <summary>The request's parameters, checked; or why not.</summary>
    private (AuthorizationRequest? Request, string? Error) ReadAuthorizationRequest(Func<string, string?> get)
    {
        string? redirect = get("redirect_uri");
        if (get("response_type") != "code")
        {
            return (null, "response_type must be code");
        }

        if (!_clientIds.Contains(get("client_id") ?? "", StringComparer.Ordinal))
        {
            return (null, "client_id must be one of the development issuer's clients (" + string.Join(", ", _clientIds) + ")");
        }

        if (!Uri.TryCreate(redirect, UriKind.Absolute, out Uri? redirectUri) || redirectUri.Scheme is not ("http" or "https")
            || !(redirectUri.IsLoopback || IPAddress.TryParse(redirectUri.Host, out IPAddress? ip) && IPAddress.IsLoopback(ip))
            || redirectUri.Fragment.Length > 0 || redirect!.Contains('#', StringComparison.Ordinal))
        {
            return (null, "redirect_uri must be an http(s) address on loopback: the development issuer signs in local applications only");
        }

        if (string.IsNullOrEmpty(get("code_challenge")) || get("code_challenge_method") != "S256")
        {
            return (null, "PKCE is required: send code_challenge with code_challenge_method=S256");
        }

        return (new AuthorizationRequest(get("client_id")!, redirect!, get("state"), get("nonce"), get("code_challenge")!), null);
    }

    private async Task ShowLoginPageAsync(HttpContext context)
    {
        (AuthorizationRequest? request, string? error) = ReadAuthorizationRequest(name => context.Request.Query[name].FirstOrDefault());
        if (request is null)
        {
            await WritePageAsync(context, 400, "<p>" + HtmlEncoder.Default.Encode(error!) + "</p>");
            return;
        }

        var body = new StringBuilder();
        body.Append("<p>Development issuer: pick who signs in to <b>").Append(HtmlEncoder.Default.Encode(request.ClientId))
            .Append("</b>. There are no passwords here; never use this issuer outside development.</p>");
        if (_users.Count == 0)
        {
            body.Append("<p>No users are configured (DevelopmentIssuerOptions.Users).</p>");
        }

        foreach (DevelopmentUser user in _users)
        {
            body.Append("<form method=\"post\" action=\"").Append(HtmlEncoder.Default.Encode(Issuer + AuthorizePath)).Append("\">");
            foreach ((string name, string? value) in request.Parameters())
            {
                if (value is not null)
                {
                    body.Append("<input type=\"hidden\" name=\"").Append(name).Append("\" value=\"").Append(HtmlEncoder.Default.Encode(value)).Append("\">");
                }
            }

            body.Append("<input type=\"hidden\" name=\"user\" value=\"").Append(HtmlEncoder.Default.Encode(user.Subject)).Append("\">")
                .Append("<button type=\"submit\" id=\"user-").Append(HtmlEncoder.Default.Encode(user.Subject)).Append("\">")
                .Append(HtmlEncoder.Default.Encode(user.Name)).Append("</button> ")
                .Append(HtmlEncoder.Default.Encode(user.Subject)).Append(" — groups: ")
                .Append(HtmlEncoder.Default.Encode(string.Join(", ", user.Groups))).Append("</form>");
        }

        await WritePageAsync(context, 200, body.ToString());
    }

    private async Task SignInAsync(HttpContext context)
    {
        IFormCollection form = await context.Request.ReadFormAsync(context.RequestAborted);
        (AuthorizationRequest? request, string? error) = ReadAuthorizationRequest(name => form[name].FirstOrDefault());
        DevelopmentUser? user = _users.FirstOrDefault(u => u.Subject == form["user"]);
        if (request is null || user is null)
        {
            await WritePageAsync(context, 400, "<p>" + HtmlEncoder.Default.Encode(error ?? "no such user") + "</p>");
            return;
        }

        // Expired codes nobody redeemed go as new ones come.
        foreach ((string stale, AuthorizationGrant old) in _codes)
        {
            if (old.Expires < DateTimeOffset.UtcNow)
            {
                _codes.TryRemove(stale, out _);
            }
        }

        if (_codes.Count >= MaxOutstandingCodes)
        {
            await WritePageAsync(context, 503, "<p>Too many sign-ins are waiting for their code to be redeemed; try again in a minute.</p>");
            return;
        }

        string code = Base64UrlEncoder.Encode(RandomNumberGenerator.GetBytes(32));
        _codes[code] = new AuthorizationGrant(request, user, DateTimeOffset.UtcNow, DateTimeOffset.UtcNow + CodeLifetime);
        string location = request.RedirectUri + (request.RedirectUri.Contains('?', StringComparison.Ordinal) ? "&" : "?")
            + "code=" + Uri.EscapeDataString(code) + (request.State is null ? "" : "&state=" + Uri.EscapeDataString(request.State));
        context.Response.Headers.CacheControl = "no-store";
        context.Response.Redirect(location);
    }

    private async Task ExchangeCodeAsync(HttpContext context)
    {
        IFormCollection form = await context.Request.ReadFormAsync(context.RequestAborted);
        string? clientId = form["client_id"].FirstOrDefault() ?? BasicClientId(context.Request.Headers.Authorization.ToString());
        if (form["grant_type"] != "authorization_code")
        {
            await WriteTokenErrorAsync(context, "unsupported_grant_type", "grant_type must be authorization_code");
            return;
        }

        // A code is spent by its first exchange, right or wrong: a guessed verifier cannot be tried twice.
        if (form["code"].FirstOrDefault() is not { } code || !_codes.TryRemove(code, out AuthorizationGrant? grant) || grant.Expires < DateTimeOffset.UtcNow)
        {
            await WriteTokenErrorAsync(context, "invalid_grant", "the code is unknown, used or expired");
            return;
        }

        string verifier = form["code_verifier"].FirstOrDefault() ?? "";
        string challenge = Base64UrlEncoder.Encode(SHA256.HashData(Encoding.ASCII.GetBytes(verifier)));
        if (grant.Request.ClientId != clientId || grant.Request.RedirectUri != form["redirect_uri"]
            || !CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(challenge), Encoding.ASCII.GetBytes(grant.Request.CodeChallenge)))
        {
            await WriteTokenErrorAsync(context, "invalid_grant", "client_id, redirect_uri or code_verifier do not match the authorization request");
            return;
        }

        DevelopmentUser user = grant.User;
        var claims = new Dictionary<string, object>(StringComparer.Ordinal)
        {
            ["name"] = user.Name,
            ["auth_time"] = grant.SignedInAt.ToUnixTimeSeconds(),
        };
        if (grant.Request.Nonce is { } nonce)
        {
            claims["nonce"] = nonce;
        }

        // OIDC clients insist on an access token beside the ID token; both are for the client (its audience), so a gateway
        // that accepts its own audience refuses them as database passwords.
        string ForClient(IReadOnlyDictionary<string, object>? extra) => CreateToken(new DevelopmentTokenRequest
        {
            Subject = user.Subject,
            Email = user.Email,
            Groups = user.Groups,
            Audience = grant.Request.ClientId,
            Lifetime = SignInLifetime,
            ExtraClaims = extra,
        });
        string idToken = ForClient(claims);
        string accessToken = ForClient(null);
        await WriteJsonAsync(context, writer =>
        {
            writer.WriteStartObject();
            writer.WriteString("id_token", idToken);
            writer.WriteString("access_token", accessToken);
            writer.WriteString("token_type", "Bearer");
            writer.WriteNumber("expires_in", (int)SignInLifetime.TotalSeconds);
            writer.WriteEndObject();
        });
    }

    private static string? BasicClientId(string authorization)
    {
        if (!authorization.StartsWith("Basic ", StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        try
        {
            string pair = Encoding.UTF8.GetString(Convert.FromBase64String(authorization["Basic ".Length..].Trim()));
            return Uri.UnescapeDataString(pair.Split(':', 2)[0]);
        }
        catch (FormatException)
        {
            return null;
        }
    }

    private static Task WriteTokenErrorAsync(HttpContext context, string error, string description)
    {
        context.Response.StatusCode = 400;
        return WriteJsonAsync(context, writer =>
        {
            writer.WriteStartObject();
            writer.WriteString("error", error);
            writer.WriteString("error_description", description);
            writer.WriteEndObject();
        });
    }

    private static async Task WritePageAsync(HttpContext context, int status, string body)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "text/html; charset=utf-8";
        context.Response.Headers.CacheControl = "no-store";
        context.Response.Headers.ContentSecurityPolicy = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'";
        context.Response.Headers.XContentTypeOptions = "nosniff";
        context.Response.Headers["Referrer-Policy"] = "no-referrer";
        await context.Response.WriteAsync(
            "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>HoopGate development sign-in</title></head><body><h1>HoopGate development sign-in</h1>"
            + body + "</body></html>",
            context.RequestAborted);
    }

    private sealed record AuthorizationRequest(string ClientId, string RedirectUri, string? State, string? Nonce, string CodeChallenge)
    {
        public IEnumerable<(string Name, string? Value)> Parameters() =>
        [
            ("response_type", "code"), ("client_id", ClientId), ("redirect_uri", RedirectUri), ("state", State), ("nonce", Nonce),
            ("code_challenge", CodeChallenge), ("code_challenge_method", "S256"),
        ];
    }

    private sealed record AuthorizationGrant(AuthorizationRequest Request, DevelopmentUser User, DateTimeOffset SignedInAt, DateTimeOffset Expires);
}
