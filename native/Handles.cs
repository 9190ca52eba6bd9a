using Microsoft.Win32.SafeHandles;

namespace SwarmCluster.Fann;

/// <summary>Owns a <c>struct fann*</c>; released with fann_destroy exactly once.</summary>
internal sealed class FannNetworkHandle : SafeHandleZeroOrMinusOneIsInvalid
{
    public FannNetworkHandle() : base(ownsHandle: true) { }

    internal static FannNetworkHandle Adopt(nint raw)
    {
        var h = new FannNetworkHandle();
        h.SetHandle(raw);
        // Per-struct log target too, in case the global default was changed by someone else.
        Native.fann_set_error_log(raw, 0);
        return h;
    }

    protected override bool ReleaseHandle()
    {
        Native.fann_destroy(handle);
        return true;
    }
}

/// <summary>Owns a <c>struct fann_train_data*</c>; released with fann_destroy_train.</summary>
internal sealed class FannTrainDataHandle : SafeHandleZeroOrMinusOneIsInvalid
{
    public FannTrainDataHandle() : base(ownsHandle: true) { }

    internal static FannTrainDataHandle Adopt(nint raw)
    {
        var h = new FannTrainDataHandle();
        h.SetHandle(raw);
        Native.fann_set_error_log(raw, 0);
        return h;
    }

    protected override bool ReleaseHandle()
    {
        Native.fann_destroy_train(handle);
        return true;
    }
}

internal static class FannErrors
{
    /// <summary>
    /// Turn a pending libfann error on a struct into a FannException. Only errno is read; errstr is
    /// freed through fann_reset_errstr and never dereferenced (fann_get_errstr hands back freed memory).
    /// </summary>
    internal static void ThrowIfError(nint errdat, string operation)
    {
        int code = Native.fann_get_errno(errdat);
        if (code == 0) return;
        Clear(errdat);
        throw new FannException(code, $"{operation} failed: libfann error {code} ({FannException.Describe(code)})");
    }

    internal static void Clear(nint errdat)
    {
        Native.fann_reset_errno(errdat);
        Native.fann_reset_errstr(errdat);
    }
}
