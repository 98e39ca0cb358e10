using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace HoopGate.Testing;

/// <summary>A throwaway CA and a server certificate for 127.0.0.1/localhost, written as PEM files.</summary>
public sealed class TestCertificates
{
    private TestCertificates(string directory)
    {
        CaCertificatePath = Path.Combine(directory, "ca.crt");
        ServerCertificatePath = Path.Combine(directory, "server.crt");
        ServerKeyPath = Path.Combine(directory, "server.key");
    }

    public string CaCertificatePath { get; }

    public string ServerCertificatePath { get; }

    public string ServerKeyPath { get; }

    public static TestCertificates Create(string directory)
    {
        var result = new TestCertificates(directory);
        using var caKey = RSA.Create(2048);
        var caRequest = new CertificateRequest("CN=HoopGate Test CA", caKey, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        caRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        caRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        // One clock reading for both certificates: the server's must not outlive its issuer by a second.
        DateTimeOffset now = DateTimeOffset.UtcNow;
        using X509Certificate2 ca = caRequest.CreateSelfSigned(now.AddDays(-1), now.AddYears(1));

        using var serverKey = RSA.Create(2048);
        var serverRequest = new CertificateRequest("CN=localhost", serverKey, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var san = new SubjectAlternativeNameBuilder();
        san.AddDnsName("localhost");
        san.AddIpAddress(IPAddress.Loopback);
        serverRequest.CertificateExtensions.Add(san.Build());
        serverRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, false));
        serverRequest.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        byte[] serial = RandomNumberGenerator.GetBytes(12);
        using X509Certificate2 server = serverRequest.Create(ca, now.AddDays(-1), now.AddYears(1).AddMinutes(-1), serial);

        File.WriteAllText(result.CaCertificatePath, ca.ExportCertificatePem());
        File.WriteAllText(result.ServerCertificatePath, server.ExportCertificatePem());
        File.WriteAllText(result.ServerKeyPath, serverKey.ExportPkcs8PrivateKeyPem());
        return result;
    }
}
