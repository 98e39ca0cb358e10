using HoopGate.Auth;
using Microsoft.AspNetCore.Http;

namespace HoopGate.Admin;

/// <summary>Who calls the admin API: the identity of a valid <c>Authorization: Bearer</c> OIDC token.</summary>
internal static class BearerCaller
{
    /// <summary>The caller, or null without a valid token (nothing else is looked at then).</summary>
    public static async Task<TokenIdentity?> IdentifyAsync(HttpContext context, TokenValidator tokens)
    {
        string header = context.Request.Headers.Authorization.ToString();
        if (!header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        TokenValidationOutcome outcome = await tokens.ValidateAsync(header["Bearer ".Length..].Trim(), context.RequestAborted);
        return outcome.Identity;
    }

    /// <summary>401 with a problem document.</summary>
    public static IResult Unauthorized() => Results.Problem(statusCode: 401, title: "Unauthorized", detail: "send Authorization: Bearer <a valid OIDC token>");
}
