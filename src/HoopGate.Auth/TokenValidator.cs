using System.Text.Json;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Protocols;
using Microsoft.IdentityModel.Protocols.OpenIdConnect;
using Microsoft.IdentityModel.Tokens;

namespace HoopGate.Auth;

/// <summary>
/// Validates OIDC access and ID tokens (JWTs) against the configured issuers: discovery and JWKS through
/// <see cref="ConfigurationManager{T}"/> (refreshed on a schedule, and at once — rate-limited — when a token names
/// a key id the cached set lacks, which is how key rotation shows up), signature with an allowed asymmetric
/// algorithm, issuer, audience and lifetime; then reads the identity and groups from the configured claims.
/// </summary>
public sealed class TokenValidator
{
    private readonly OidcOptions _options;
    private readonly Dictionary<string, (OidcIssuerOptions Options, ConfigurationManager<OpenIdConnectConfiguration> Metadata)> _issuers =
        new(StringComparer.Ordinal);

    private readonly HashSet<string> _algorithms;
    private readonly JsonWebTokenHandler _handler = new() { MapInboundClaims = false };

    /// <summary>Creates the validator; metadata is fetched on first use.</summary>
    public TokenValidator(IOptions<OidcOptions> options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options.Value;
        _handler.MaximumTokenSizeInBytes = _options.MaxTokenLength;
        _algorithms = new HashSet<string>(_options.AllowedAlgorithms.Where(IsAsymmetric), StringComparer.Ordinal);
        foreach (OidcIssuerOptions issuer in _options.Issuers)
        {
            var retriever = new HttpDocumentRetriever { RequireHttps = !issuer.AllowHttp };
            var metadata = new ConfigurationManager<OpenIdConnectConfiguration>(
                issuer.EffectiveDiscoveryUrl, new OpenIdConnectConfigurationRetriever(), retriever)
            {
                AutomaticRefreshInterval = TimeSpan.FromMinutes(_options.MetadataRefreshMinutes),
                RefreshInterval = TimeSpan.FromSeconds(_options.MinimumRefreshSeconds),
            };
            _issuers[issuer.Issuer] = (issuer, metadata);
        }
    }

    /// <summary>Validates a token. Never throws for a bad token; the outcome says why.</summary>
    public async Task<TokenValidationOutcome> ValidateAsync(string token, CancellationToken cancellationToken)
    {
        if (string.IsNullOrEmpty(token) || token.Length > _options.MaxTokenLength)
        {
            return TokenValidationOutcome.Invalid(TokenFailure.Malformed, "the password is not a token of an accepted size");
        }

        JsonWebToken unverified;
        try
        {
            unverified = _handler.ReadJsonWebToken(token);
        }
        catch (ArgumentException)
        {
            return TokenValidationOutcome.Invalid(TokenFailure.Malformed, "the password is not a JWT");
        }

        if (!_algorithms.Contains(unverified.Alg))
        {
            return TokenValidationOutcome.Invalid(TokenFailure.DisallowedAlgorithm, "token signature algorithm is not allowed");
        }

        if (!_issuers.TryGetValue(unverified.Issuer, out var issuer))
        {
            return TokenValidationOutcome.Invalid(TokenFailure.UntrustedIssuer, "token issuer is not trusted");
        }

        TokenValidationResult result;
        try
        {
            OpenIdConnectConfiguration configuration = await KeysForAsync(unverified.Kid, issuer.Metadata, cancellationToken);
            result = await _handler.ValidateTokenAsync(token, Parameters(issuer.Options, configuration, string.IsNullOrEmpty(unverified.Kid)));
        }
        catch (InvalidOperationException)
        {
            // ConfigurationManager could not fetch discovery or keys and has none cached.
            return TokenValidationOutcome.Invalid(TokenFailure.MetadataUnavailable, "the identity provider's keys are unavailable to the gateway");
        }

        if (!result.IsValid)
        {
            return Classify(result.Exception);
        }

        return ReadIdentity((JsonWebToken)result.SecurityToken, issuer.Options);
    }

    /// <summary>True when every configured issuer's discovery document and signing keys are loaded (or can be now).</summary>
    public async Task<bool> KeysLoadedAsync(CancellationToken cancellationToken)
    {
        foreach ((_, ConfigurationManager<OpenIdConnectConfiguration> metadata) in _issuers.Values)
        {
            try
            {
                OpenIdConnectConfiguration configuration = await metadata.GetConfigurationAsync(cancellationToken);
                if (configuration.SigningKeys.Count == 0 && configuration.JsonWebKeySet?.Keys.Count is null or 0)
                {
                    return false;
                }
            }
            catch (InvalidOperationException)
            {
                return false;
            }
        }

        return _issuers.Count > 0;
    }

    /// <summary>
    /// The issuer's keys, refreshed when the token names a key id they lack — how rotation shows up. The refresh is
    /// rate-limited by <see cref="OidcOptions.MinimumRefreshSeconds"/> and may complete in the background, so the
    /// new keys are awaited briefly (at most about two seconds) before the token is judged.
    /// </summary>
    private static async Task<OpenIdConnectConfiguration> KeysForAsync(
        string? kid, ConfigurationManager<OpenIdConnectConfiguration> metadata, CancellationToken cancellationToken)
    {
        OpenIdConnectConfiguration configuration = await metadata.GetConfigurationAsync(cancellationToken);
        if (string.IsNullOrEmpty(kid) || HasKey(configuration, kid))
        {
            return configuration;
        }

        metadata.RequestRefresh();
        for (int attempt = 0; attempt < 10; attempt++)
        {
            configuration = await metadata.GetConfigurationAsync(cancellationToken);
            if (HasKey(configuration, kid))
            {
                break;
            }

            await Task.Delay(200, cancellationToken);
        }

        return configuration;
    }

    private static bool HasKey(OpenIdConnectConfiguration configuration, string kid)
    {
        foreach (SecurityKey key in configuration.SigningKeys)
        {
            if (string.Equals(key.KeyId, kid, StringComparison.Ordinal))
            {
                return true;
            }
        }

        return false;
    }

    /// <param name="issuer">The issuer the token claims.</param>
    /// <param name="configuration">Its current keys.</param>
    /// <param name="noKeyId">
    /// The token names no key: every one of the issuer's keys is tried (providers with a single key may omit
    /// <c>kid</c>); the signature must still verify with one of them.
    /// </param>
    private TokenValidationParameters Parameters(OidcIssuerOptions issuer, OpenIdConnectConfiguration configuration, bool noKeyId) => new()
    {
        ValidIssuer = issuer.Issuer,
        ValidAudiences = issuer.Audiences,
        IssuerSigningKeys = configuration.SigningKeys,
        ValidAlgorithms = _algorithms,
        ClockSkew = TimeSpan.FromSeconds(_options.ClockSkewSeconds),
        RequireSignedTokens = true,
        RequireExpirationTime = true,
        ValidateLifetime = true,
        ValidateIssuer = true,
        ValidateAudience = true,
        ValidateIssuerSigningKey = true,
        TryAllIssuerSigningKeys = noKeyId,
    };

    private static TokenValidationOutcome Classify(Exception? exception) => exception switch
    {
        SecurityTokenExpiredException => TokenValidationOutcome.Invalid(TokenFailure.Expired, "token has expired"),
        SecurityTokenNotYetValidException => TokenValidationOutcome.Invalid(TokenFailure.NotYetValid, "token is not yet valid"),
        SecurityTokenInvalidAudienceException => TokenValidationOutcome.Invalid(TokenFailure.WrongAudience, "token audience is not accepted"),
        SecurityTokenInvalidIssuerException => TokenValidationOutcome.Invalid(TokenFailure.UntrustedIssuer, "token issuer is not trusted"),
        SecurityTokenInvalidAlgorithmException => TokenValidationOutcome.Invalid(TokenFailure.DisallowedAlgorithm, "token signature algorithm is not allowed"),
        SecurityTokenSignatureKeyNotFoundException or SecurityTokenInvalidSignatureException =>
            TokenValidationOutcome.Invalid(TokenFailure.BadSignature, "token signature is invalid"),
        SecurityTokenNoExpirationException => TokenValidationOutcome.Invalid(TokenFailure.Malformed, "token has no expiry"),
        _ => TokenValidationOutcome.Invalid(TokenFailure.Malformed, "token is not valid"),
    };

    private TokenValidationOutcome ReadIdentity(JsonWebToken token, OidcIssuerOptions issuer)
    {
        using JsonDocument payload = JsonDocument.Parse(Base64UrlEncoder.DecodeBytes(token.EncodedPayload));
        JsonElement root = payload.RootElement;
        foreach (string claim in _options.RequiredClaims)
        {
            if (Find(root, claim) is null)
            {
                return TokenValidationOutcome.Invalid(TokenFailure.Malformed, "token lacks the required claim \"" + claim + "\"");
            }
        }

        string? subject = Text(Find(root, _options.SubjectClaim));
        if (string.IsNullOrEmpty(subject))
        {
            return TokenValidationOutcome.Invalid(TokenFailure.Malformed, "token has no subject (" + _options.SubjectClaim + ")");
        }

        string? clientId = null;
        foreach (string claim in _options.ClientIdClaims)
        {
            clientId ??= Text(Find(root, claim));
        }

        var groups = new List<string>();
        var naming = new IssuerGroups(_options, issuer.Issuer);
        foreach (string claim in _options.GroupClaims)
        {
            if (Find(root, claim) is not { } value)
            {
                continue;
            }

            IEnumerable<string> names = value.ValueKind == JsonValueKind.Array
                ? value.EnumerateArray().Where(e => e.ValueKind == JsonValueKind.String).Select(e => e.GetString()!)
                : (Text(value) ?? "").Split([' ', ','], StringSplitOptions.RemoveEmptyEntries);
            foreach (string name in names)
            {
                string? group = naming.Name(name);
                if (group is not null && !groups.Contains(group))
                {
                    groups.Add(group);
                }
            }
        }

        return TokenValidationOutcome.Valid(new TokenIdentity(
            issuer.Issuer, subject, Text(Find(root, _options.EmailClaim)), clientId, groups, new DateTimeOffset(token.ValidTo, TimeSpan.Zero)));
    }

    /// <summary>Follows a dotted path (<c>realm_access.roles</c>); a claim whose own name contains dots is found too.</summary>
    private static JsonElement? Find(JsonElement root, string path)
    {
        if (root.TryGetProperty(path, out JsonElement direct))
        {
            return direct;
        }

        JsonElement current = root;
        foreach (string part in path.Split('.'))
        {
            if (current.ValueKind != JsonValueKind.Object || !current.TryGetProperty(part, out current))
            {
                return null;
            }
        }

        return current;
    }

    private static string? Text(JsonElement? element) => element switch
    {
        { ValueKind: JsonValueKind.String } e => e.GetString(),
        { ValueKind: JsonValueKind.Number } e => e.GetRawText(),
        _ => null,
    };

    private static bool IsAsymmetric(string algorithm) =>
        algorithm.Length == 5 && (algorithm.StartsWith("RS", StringComparison.Ordinal) || algorithm.StartsWith("PS", StringComparison.Ordinal)
                                  || algorithm.StartsWith("ES", StringComparison.Ordinal));
}
