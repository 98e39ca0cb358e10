using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace HoopGate.Gateway.Upstream;

/// <summary>
/// The client side of SCRAM-SHA-256 and SCRAM-SHA-256-PLUS (RFC 5802, RFC 7677; channel binding type
/// tls-server-end-point from RFC 5929), as PostgreSQL speaks it
/// (https://www.postgresql.org/docs/current/sasl-authentication.html). The user name in the SCRAM exchange is
/// empty: PostgreSQL takes it from the StartupMessage.
/// </summary>
internal sealed class ScramSha256Client
{
    public const string Mechanism = "SCRAM-SHA-256";
    public const string MechanismPlus = "SCRAM-SHA-256-PLUS";

    private readonly byte[] _password;
    private readonly string _gs2Header;
    private readonly byte[] _channelBindingData;
    private readonly string _clientNonce;
    private string _clientFirstBare = "";
    private byte[] _expectedServerSignature = [];

    /// <param name="password">The password (its UTF-8 bytes are used as is; SASLprep leaves ASCII unchanged).</param>
    /// <param name="serverCertificate">The server's certificate when binding, else <see langword="null"/>.</param>
    /// <param name="clientSupportsBinding">True when TLS is up but the server offered no -PLUS mechanism ("y" flag).</param>
    public ScramSha256Client(string password, X509Certificate2? serverCertificate, bool clientSupportsBinding)
    {
        _password = Encoding.UTF8.GetBytes(password);
        _clientNonce = Convert.ToBase64String(RandomNumberGenerator.GetBytes(18));
        if (serverCertificate is not null)
        {
            _gs2Header = "p=tls-server-end-point,,";
            _channelBindingData = CertificateHash(serverCertificate);
        }
        else
        {
            _gs2Header = clientSupportsBinding ? "y,," : "n,,";
            _channelBindingData = [];
        }
    }

    public string SelectedMechanism => _channelBindingData.Length > 0 ? MechanismPlus : Mechanism;

    public byte[] CreateClientFirstMessage()
    {
        _clientFirstBare = "n=,r=" + _clientNonce;
        return Encoding.UTF8.GetBytes(_gs2Header + _clientFirstBare);
    }

    /// <summary>Answers server-first-message with client-final-message.</summary>
    /// <exception cref="ServerConnectionException">The server's message is malformed or its nonce is not ours.</exception>
    public byte[] CreateClientFinalMessage(byte[] serverFirstMessage)
    {
        string serverFirst = Encoding.UTF8.GetString(serverFirstMessage);
        string? nonce = null, salt = null, iterations = null;
        foreach (string part in serverFirst.Split(','))
        {
            if (part.StartsWith("r=", StringComparison.Ordinal))
            {
                nonce = part[2..];
            }
            else if (part.StartsWith("s=", StringComparison.Ordinal))
            {
                salt = part[2..];
            }
            else if (part.StartsWith("i=", StringComparison.Ordinal))
            {
                iterations = part[2..];
            }
        }

        if (nonce is null || salt is null || iterations is null
            || !nonce.StartsWith(_clientNonce, StringComparison.Ordinal) || nonce.Length == _clientNonce.Length
            || !int.TryParse(iterations, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int iterationCount)
            || iterationCount < 1)
        {
            throw new ServerConnectionException("invalid SCRAM server-first-message from the server");
        }

        byte[] saltBytes;
        try
        {
            saltBytes = Convert.FromBase64String(salt);
        }
        catch (FormatException ex)
        {
            throw new ServerConnectionException("invalid SCRAM salt from the server", ex);
        }

        byte[] saltedPassword = Rfc2898DeriveBytes.Pbkdf2(_password, saltBytes, iterationCount, HashAlgorithmName.SHA256, 32);
        byte[] clientKey = HMACSHA256.HashData(saltedPassword, "Client Key"u8);
        byte[] storedKey = SHA256.HashData(clientKey);
        byte[] serverKey = HMACSHA256.HashData(saltedPassword, "Server Key"u8);

        byte[] gs2 = Encoding.UTF8.GetBytes(_gs2Header);
        byte[] cbind = new byte[gs2.Length + _channelBindingData.Length];
        gs2.CopyTo(cbind, 0);
        _channelBindingData.CopyTo(cbind, gs2.Length);
        string clientFinalWithoutProof = "c=" + Convert.ToBase64String(cbind) + ",r=" + nonce;
        byte[] authMessage = Encoding.UTF8.GetBytes(_clientFirstBare + "," + serverFirst + "," + clientFinalWithoutProof);

        byte[] clientSignature = HMACSHA256.HashData(storedKey, authMessage);
        byte[] proof = new byte[clientKey.Length];
        for (int i = 0; i < proof.Length; i++)
        {
            proof[i] = (byte)(clientKey[i] ^ clientSignature[i]);
        }

        _expectedServerSignature = HMACSHA256.HashData(serverKey, authMessage);
        CryptographicOperations.ZeroMemory(saltedPassword);
        CryptographicOperations.ZeroMemory(clientKey);
        return Encoding.UTF8.GetBytes(clientFinalWithoutProof + ",p=" + Convert.ToBase64String(proof));
    }

    /// <summary>Checks server-final-message: the server must prove it knows the password too.</summary>
    public bool VerifyServerFinalMessage(byte[] serverFinalMessage)
    {
        string serverFinal = Encoding.UTF8.GetString(serverFinalMessage);
        if (!serverFinal.StartsWith("v=", StringComparison.Ordinal))
        {
            return false;
        }

        string encoded = serverFinal[2..];
        int comma = encoded.IndexOf(',', StringComparison.Ordinal);
        if (comma >= 0)
        {
            encoded = encoded[..comma];
        }

        byte[] signature;
        try
        {
            signature = Convert.FromBase64String(encoded);
        }
        catch (FormatException)
        {
            return false;
        }

        return CryptographicOperations.FixedTimeEquals(signature, _expectedServerSignature);
    }

    /// <summary>
    /// tls-server-end-point: the hash of the server certificate, with the certificate's signature hash,
    /// where MD5 and SHA-1 are replaced by SHA-256 (RFC 5929 section 4.1).
    /// </summary>
    private static byte[] CertificateHash(X509Certificate2 certificate)
    {
        string? oid = certificate.SignatureAlgorithm.Value;
        return oid switch
        {
            "1.2.840.113549.1.1.12" or "1.2.840.10045.4.3.3" => SHA384.HashData(certificate.RawData),
            "1.2.840.113549.1.1.13" or "1.2.840.10045.4.3.4" => SHA512.HashData(certificate.RawData),
            _ => SHA256.HashData(certificate.RawData),
        };
    }
}
