namespace HoopGate.Protocol.Backend;

/// <summary>The Int32 that says which Authentication* message an 'R' is.</summary>
public enum AuthenticationRequestType
{
    /// <summary>AuthenticationOk.</summary>
    Ok = 0,

    /// <summary>AuthenticationKerberosV5 (no longer supported by PostgreSQL).</summary>
    KerberosV5 = 2,

    /// <summary>AuthenticationCleartextPassword.</summary>
    CleartextPassword = 3,

    /// <summary>AuthenticationMD5Password, followed by a 4-byte salt.</summary>
    MD5Password = 5,

    /// <summary>AuthenticationGSS.</summary>
    GSS = 7,

    /// <summary>AuthenticationGSSContinue, followed by GSSAPI or SSPI data.</summary>
    GSSContinue = 8,

    /// <summary>AuthenticationSSPI.</summary>
    SSPI = 9,

    /// <summary>AuthenticationSASL, followed by a list of mechanism names.</summary>
    SASL = 10,

    /// <summary>AuthenticationSASLContinue, followed by SASL data.</summary>
    SASLContinue = 11,

    /// <summary>AuthenticationSASLFinal, followed by SASL outcome data.</summary>
    SASLFinal = 12,
}
