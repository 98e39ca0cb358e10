using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace HoopGate.Demo;

/// <summary>
/// One RSA signing key of the development issuer, its key id, and the token minting that
/// <see cref="DevelopmentIssuer"/> and <c>hoopgate dev-token</c> share, so a token minted from a key file validates
/// against an issuer started with the same file.
/// </summary>
/// <remarks>
/// The key is held as <see cref="RSAParameters"/>, not as an <see cref="RSA"/> instance: IdentityModel caches a
/// signature provider per key (keyed by its thumbprint), and a cached provider around an <see cref="RSA"/> we had
/// disposed would break the next issuer started with the same key file.
/// </remarks>
internal sealed class DevelopmentSigningKey
{
    /// <summary>RSA 2048: the smallest size IdentityModel accepts for RS256 signing (IDX10653).</summary>
    private const int KeySizeInBits = 2048;

    /// <summary>12 bytes of SHA-256 become a 16-character kid: short to read in logs, ample to tell keys apart.</summary>
    private const int KeyIdHashBytes = 12;

    private static readonly JsonWebTokenHandler TokenHandler = new()
    {
        // CreateToken always sets iat, nbf and exp itself (or leaves them to ExtraClaims); no hidden defaults.
        SetDefaultTimesOnTokenCreation = false,
    };

    private readonly RsaSecurityKey _signingKey;

    private DevelopmentSigningKey(RSAParameters parameters)
    {
        KeyId = ComputeKeyId(parameters.Modulus!);
        Modulus = parameters.Modulus!;
        Exponent = parameters.Exponent!;
        _signingKey = new RsaSecurityKey(parameters) { KeyId = KeyId };
        PublicKey = new RsaSecurityKey(new RSAParameters { Modulus = Modulus, Exponent = Exponent }) { KeyId = KeyId };
    }

    /// <summary>The <c>kid</c>: base64url of the first 12 bytes of SHA-256 of the modulus (the JWK's <c>n</c>).</summary>
    public string KeyId { get; }

    /// <summary>The public half only, with <see cref="KeyId"/> set.</summary>
    public RsaSecurityKey PublicKey { get; }

    private byte[] Modulus { get; }

    private byte[] Exponent { get; }

    /// <summary>Generates an ephemeral key that is never written anywhere.</summary>
    public static DevelopmentSigningKey Generate()
    {
        using var rsa = RSA.Create(KeySizeInBits);
        return new DevelopmentSigningKey(rsa.ExportParameters(includePrivateParameters: true));
    }

    /// <summary>Reads a PEM RSA private key (PKCS#1 or PKCS#8).</summary>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="InvalidDataException">The file holds no usable RSA private key.</exception>
    public static DevelopmentSigningKey Load(string path)
    {
        string pem = File.ReadAllText(path);
        using var rsa = RSA.Create();
        try
        {
            rsa.ImportFromPem(pem);
        }
        catch (Exception ex) when (ex is ArgumentException or CryptographicException)
        {
            throw new InvalidDataException(path + " does not hold a PEM RSA private key: " + ex.Message, ex);
        }

        if (rsa.KeySize < KeySizeInBits)
        {
            throw new InvalidDataException(path + " holds a " + rsa.KeySize + "-bit RSA key; RS256 signing needs at least " + KeySizeInBits + " bits");
        }

        try
        {
            return new DevelopmentSigningKey(rsa.ExportParameters(includePrivateParameters: true));
        }
        catch (CryptographicException ex)
        {
            throw new InvalidDataException(path + " holds an RSA public key; the development issuer needs the private key", ex);
        }
    }

    /// <summary>
    /// Reads the key file, or creates it (RSA 2048, PKCS#1 PEM, mode 0600) when it does not exist. The new file is
    /// written under a temporary name and then moved into place without overwriting, so two processes racing to
    /// create it end up sharing whichever key won.
    /// </summary>
    public static DevelopmentSigningKey LoadOrCreate(string path)
    {
        path = Path.GetFullPath(path);
        if (File.Exists(path))
        {
            return Load(path);
        }

        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        using var rsa = RSA.Create(KeySizeInBits);
        string temporary = path + "." + Guid.NewGuid().ToString("N") + ".tmp";
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, Share = FileShare.None };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        try
        {
            using (var writer = new StreamWriter(temporary, options))
            {
                writer.Write(rsa.ExportRSAPrivateKeyPem());
                writer.Write('\n');
            }

            File.Move(temporary, path, overwrite: false);
        }
        catch (IOException) when (File.Exists(path))
        {
            File.Delete(temporary);
            return Load(path);
        }

        return new DevelopmentSigningKey(rsa.ExportParameters(includePrivateParameters: true));
    }

    /// <summary>Mints an RS256 token whose header names this key's <see cref="KeyId"/>.</summary>
    /// <param name="issuer">The <c>iss</c> claim.</param>
    /// <param name="defaultAudience">The <c>aud</c> claim when the request names none.</param>
    /// <param name="request">The token's contents.</param>
    /// <exception cref="ArgumentException">The request has no subject, or names both a client id and an email.</exception>
    public string CreateToken(string issuer, string defaultAudience, DevelopmentTokenRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (string.IsNullOrWhiteSpace(request.Subject))
        {
            throw new ArgumentException("a token needs a subject", nameof(request));
        }

        if (request.ClientId is not null && request.Email is not null)
        {
            throw new ArgumentException("a machine identity (client id) carries no email", nameof(request));
        }

        if (request.Lifetime <= TimeSpan.Zero)
        {
            throw new ArgumentException("a token's lifetime must be positive", nameof(request));
        }

        var claims = new Dictionary<string, object>(StringComparer.Ordinal)
        {
            [JwtRegisteredClaimNames.Sub] = request.Subject,
            ["groups"] = request.Groups.ToArray(),
            [JwtRegisteredClaimNames.Jti] = Guid.NewGuid().ToString("N"),
        };
        if (request.ClientId is not null)
        {
            claims[JwtRegisteredClaimNames.Azp] = request.ClientId;
            claims["client_id"] = request.ClientId;
        }

        if (request.Email is not null)
        {
            claims[JwtRegisteredClaimNames.Email] = request.Email;
        }

        IReadOnlyDictionary<string, object> extra = request.ExtraClaims ?? new Dictionary<string, object>();
        foreach ((string name, object value) in extra)
        {
            claims[name] = value;
        }

        DateTimeOffset issuedAt = request.IssuedAt ?? DateTimeOffset.UtcNow;
        DateTimeOffset notBefore = request.NotBefore ?? issuedAt;

        // Descriptor properties would win over same-named claims, so each is set only when ExtraClaims leaves it alone.
        var descriptor = new SecurityTokenDescriptor
        {
            Claims = claims,
            Issuer = extra.ContainsKey(JwtRegisteredClaimNames.Iss) ? null : issuer,
            Audience = extra.ContainsKey(JwtRegisteredClaimNames.Aud) ? null : request.Audience ?? defaultAudience,
            IssuedAt = extra.ContainsKey(JwtRegisteredClaimNames.Iat) ? null : issuedAt.UtcDateTime,
            NotBefore = extra.ContainsKey(JwtRegisteredClaimNames.Nbf) ? null : notBefore.UtcDateTime,
            Expires = extra.ContainsKey(JwtRegisteredClaimNames.Exp) ? null : (issuedAt + request.Lifetime).UtcDateTime,
            SigningCredentials = new SigningCredentials(_signingKey, SecurityAlgorithms.RsaSha256),
        };
        return TokenHandler.CreateToken(descriptor);
    }

    /// <summary>Writes the public key as a JWK (RFC 7517 section 4): kty, use, alg, kid, n, e.</summary>
    public void WriteJwk(Utf8JsonWriter writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.WriteStartObject();
        writer.WriteString("kty", "RSA");
        writer.WriteString("use", "sig");
        writer.WriteString("alg", SecurityAlgorithms.RsaSha256);
        writer.WriteString("kid", KeyId);
        writer.WriteString("n", Base64Url.EncodeToString(Modulus));
        writer.WriteString("e", Base64Url.EncodeToString(Exponent));
        writer.WriteEndObject();
    }

    private static string ComputeKeyId(byte[] modulus)
    {
        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(modulus, hash);
        return Base64Url.EncodeToString(hash[..KeyIdHashBytes]);
    }
}
