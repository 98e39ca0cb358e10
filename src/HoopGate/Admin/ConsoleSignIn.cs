using System.Globalization;
using HoopGate.Auth;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Authentication.OpenIdConnect;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace HoopGate.Admin;

/// <summary>
/// How people sign in to the compliance console: OIDC authorization code flow with PKCE against the configured issuer,
/// then an encrypted, HttpOnly, SameSite=Lax cookie that expires after <see cref="ConsoleOptions.IdleTimeoutMinutes"/>
/// without a request and <see cref="ConsoleOptions.MaxSessionHours"/> after sign-in; anti-forgery tokens on every form;
/// and on every console answer a strict Content-Security-Policy, no caching and no referrer.
/// </summary>
internal static class ConsoleSignIn
{
    public const string CallbackPath = "/console/signin-oidc";
    private const string SignedInAt = ".hoopgate.signed_in";

    public static void AddServices(IServiceCollection services, AdminOptions admin, OidcOptions oidc, ConsoleAudit audit)
    {
        ConsoleOptions console = admin.Console;
        OidcIssuerOptions issuer = Issuer(admin, oidc)
            ?? throw new InvalidOperationException("the compliance console signs people in with an issuer of HoopGate:Oidc:Issuers; "
                + (console.Issuer is null ? "none is configured" : console.Issuer + " is not one of them"));
        // Browsers reach the console over https when Kestrel has a certificate or a TLS proxy is in front (PublicOrigin);
        // only plain HTTP on loopback (validated) goes without Secure cookies.
        string? publicOrigin = string.IsNullOrEmpty(console.PublicOrigin) ? null : console.PublicOrigin.TrimEnd('/');
        bool https = ServesHttps(admin);
        CookieSecurePolicy secure = https ? CookieSecurePolicy.Always : CookieSecurePolicy.SameAsRequest;
        TimeSpan idle = TimeSpan.FromMinutes(console.IdleTimeoutMinutes);

        IDataProtectionBuilder protection = services.AddDataProtection().SetApplicationName("hoopgate-console");
        if (console.KeyDirectory is { Length: > 0 } keys)
        {
            protection.PersistKeysToFileSystem(new DirectoryInfo(keys));
        }
        else
        {
            services.AddSingleton<IDataProtectionProvider>(new EphemeralDataProtectionProvider());
        }

        services.AddAuthentication(o =>
            {
                o.DefaultScheme = CookieAuthenticationDefaults.AuthenticationScheme;
                o.DefaultChallengeScheme = OpenIdConnectDefaults.AuthenticationScheme;
            })
            .AddCookie(o =>
            {
                // __Host- cookies must be Secure; on plain HTTP (loopback only, see AdminOptionsValidator) the name goes without.
                o.Cookie.Name = https ? "__Host-hoopgate-console" : "hoopgate-console";
                o.Cookie.HttpOnly = true;
                o.Cookie.SameSite = SameSiteMode.Lax; // Strict would drop it on the redirect back from the identity provider
                o.Cookie.SecurePolicy = secure;
                o.Cookie.Path = "/";
                o.ExpireTimeSpan = idle;
                o.SlidingExpiration = true;

                // The inbox's automatic reloads (?live=1) and its event stream are not activity: an unattended page must expire.
                o.Events.OnCheckSlidingExpiration = context =>
                {
                    if (IsAutomatic(context.Request))
                    {
                        context.ShouldRenew = false;
                    }

                    return Task.CompletedTask;
                };
                o.AccessDeniedPath = "/console/denied";
                o.Events.OnSigningIn = context =>
                {
                    context.Properties.Items[SignedInAt] = DateTimeOffset.UtcNow.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
                    audit.SignedIn(context.HttpContext, context.Principal!);
                    return Task.CompletedTask;
                };
                o.Events.OnValidatePrincipal = async context =>
                {
                    if (!context.Properties.Items.TryGetValue(SignedInAt, out string? at)
                        || !long.TryParse(at, NumberStyles.None, CultureInfo.InvariantCulture, out long seconds)
                        || DateTimeOffset.UtcNow - DateTimeOffset.FromUnixTimeSeconds(seconds) > TimeSpan.FromHours(console.MaxSessionHours))
                    {
                        context.RejectPrincipal();
                        await context.HttpContext.SignOutAsync(CookieAuthenticationDefaults.AuthenticationScheme);
                    }
                };
            })
            .AddOpenIdConnect(o =>
            {
                o.Authority = issuer.Issuer;
                o.MetadataAddress = issuer.EffectiveDiscoveryUrl;
                o.RequireHttpsMetadata = !issuer.AllowHttp;
                o.ClientId = console.ClientId;
                if (console.ClientSecretFile is { Length: > 0 } secretFile)
                {
                    o.ClientSecret = File.ReadAllText(secretFile).TrimEnd('\r', '\n');
                }

                o.ResponseType = "code";
                o.ResponseMode = "query"; // a top-level GET back: the Lax correlation cookie goes with it, no cross-site POST
                o.UsePkce = true;
                o.CallbackPath = CallbackPath;
                o.Scope.Clear();
                o.Scope.Add("openid");
                o.Scope.Add("profile");
                o.Scope.Add("email");
                o.MapInboundClaims = false;
                o.GetClaimsFromUserInfoEndpoint = false;
                o.SaveTokens = false; // nothing of the provider's tokens is kept in the cookie
                o.UseTokenLifetime = false;
                o.TokenValidationParameters.NameClaimType = "name";

                // An expired console sign-in is not renewed silently from the provider's own session: max_age asks it to
                // authenticate the person again, and an auth_time older than the idle timeout is refused.
                o.MaxAge = idle;
                o.Events.OnRedirectToIdentityProvider = context =>
                {
                    if (publicOrigin is not null)
                    {
                        context.ProtocolMessage.RedirectUri = publicOrigin + CallbackPath;
                    }

                    return Task.CompletedTask;
                };
                o.Events.OnTokenValidated = context =>
                {
                    if (context.Principal?.FindFirst("auth_time")?.Value is { } authTime
                        && long.TryParse(authTime, NumberStyles.Integer, CultureInfo.InvariantCulture, out long seconds)
                        && DateTimeOffset.UtcNow - DateTimeOffset.FromUnixTimeSeconds(seconds) > idle + TimeSpan.FromMinutes(1))
                    {
                        context.Fail("the identity provider did not authenticate the person again (auth_time is older than the console's idle timeout)");
                    }

                    return Task.CompletedTask;
                };
                o.Events.OnAuthorizationCodeReceived = context =>
                {
                    if (publicOrigin is not null && context.TokenEndpointRequest is { } redeem)
                    {
                        redeem.RedirectUri = publicOrigin + CallbackPath;
                    }

                    return Task.CompletedTask;
                };

                // A failed sign-in (a stale or forged callback, a refused token) gets a page that says so, not a 500.
                o.Events.OnRemoteFailure = async context =>
                {
                    context.HandleResponse();
                    context.Response.StatusCode = StatusCodes.Status401Unauthorized;
                    context.Response.ContentType = "text/html; charset=utf-8";
                    await context.Response.WriteAsync(new ConsoleHtml()
                        .Element("p", "Signing in did not succeed. Open the console again to start over.", "problem")
                        .Raw("<p><a href=\"/console\">Sign in</a></p>")
                        .Page("Sign-in failed", null, ""));
                };

                // Front-channel logout is not offered: a GET anyone can link to must not sign people out.
                o.RemoteSignOutPath = "/console/signout-oidc";
                o.Events.OnRemoteSignOut = context =>
                {
                    context.Response.StatusCode = StatusCodes.Status404NotFound;
                    context.HandleResponse();
                    return Task.CompletedTask;
                };
                o.TokenValidationParameters.ValidAlgorithms = oidc.AllowedAlgorithms;
                o.CorrelationCookie.SameSite = SameSiteMode.Lax;
                o.CorrelationCookie.SecurePolicy = secure;
                o.NonceCookie.SameSite = SameSiteMode.Lax;
                o.NonceCookie.SecurePolicy = secure;
            });

        services.AddAntiforgery(o =>
        {
            o.Cookie.Name = https ? "__Host-hoopgate-antiforgery" : "hoopgate-antiforgery";
            o.Cookie.SameSite = SameSiteMode.Strict;
            o.Cookie.SecurePolicy = secure;
            o.FormFieldName = ConsoleHtml.AntiforgeryField;
            o.SuppressXFrameOptionsHeader = true; // set for every console answer below
        });
    }

    /// <summary>The issuer people sign in with: <c>Console:Issuer</c>, else the first configured one.</summary>
    internal static OidcIssuerOptions? Issuer(AdminOptions admin, OidcOptions oidc) => admin.Console.Issuer is { Length: > 0 } named
        ? oidc.Issuers.FirstOrDefault(i => i.Issuer == named)
        : oidc.Issuers.FirstOrDefault();

    /// <summary>Browsers reach the console over https: Kestrel has a certificate, or a TLS proxy is in front (PublicOrigin).</summary>
    private static bool ServesHttps(AdminOptions admin) =>
        !string.IsNullOrEmpty(admin.CertificatePath) || !string.IsNullOrEmpty(admin.Console.PublicOrigin);

    /// <summary>A request the page makes by itself (live reload, event stream), not the person.</summary>
    public static bool IsAutomatic(HttpRequest request) =>
        request.Query["live"] == "1" || request.Path.StartsWithSegments("/console/events", StringComparison.Ordinal);

    /// <summary>Security headers on every console answer, then authentication (which also serves the OIDC callback).</summary>
    public static void UseMiddleware(WebApplication app, AdminOptions admin, OidcOptions oidc)
    {
        // A search form submitted after the sign-in lapsed is redirected to the provider: form-action must allow its origin.
        string provider = Uri.TryCreate(Issuer(admin, oidc)?.Issuer, UriKind.Absolute, out Uri? uri) ? " " + uri.GetLeftPart(UriPartial.Authority) : "";
        bool https = ServesHttps(admin);
        string policy = "default-src 'none'; style-src 'self'; script-src 'self'; connect-src 'self'; img-src 'self'; "
            + "form-action 'self'" + provider + "; frame-ancestors 'none'; base-uri 'none'";
        app.Use(async (context, next) =>
        {
            if (context.Request.Path.StartsWithSegments("/console", StringComparison.Ordinal))
            {
                IHeaderDictionary headers = context.Response.Headers;
                headers.ContentSecurityPolicy = policy;
                if (https)
                {
                    headers.StrictTransportSecurity = "max-age=31536000";
                }

                headers.XContentTypeOptions = "nosniff";
                headers.XFrameOptions = "DENY";
                headers["Referrer-Policy"] = "no-referrer";
                headers.CacheControl = "no-cache, no-store"; // exactly what antiforgery wants, or it logs a warning per page
                headers.Pragma = "no-cache";
                headers["Cross-Origin-Opener-Policy"] = "same-origin";
            }

            await next(context);
        });
        app.UseAuthentication();
    }
}
