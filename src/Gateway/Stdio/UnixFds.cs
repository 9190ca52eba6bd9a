using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace SwarmCluster.Gateway.Stdio;

/// <summary>
/// Linux only: passing file descriptors over a Unix domain socket (SCM_RIGHTS) and reading them with poll. A bridge
/// hands its stdin and stdout to the gateway this way, so the gateway reads the client's requests and writes its
/// answers directly and a call crosses no extra process (glibc, LP64 layouts: x64 and arm64).
/// </summary>
internal static class UnixFds
{
    private const int SolSocket = 1;
    private const int ScmRights = 1;
    private const int MsgCmsgCloexec = 0x40000000;
    private const int HeaderSize = 16; // struct cmsghdr: size_t cmsg_len; int cmsg_level; int cmsg_type
    public const int EINTR = 4;
    public const int EAGAIN = 11;

    public static bool Supported => OperatingSystem.IsLinux() && (RuntimeInformation.ProcessArchitecture is Architecture.X64 or Architecture.Arm64);

    /// <summary>Sends <paramref name="data"/> with <paramref name="fds"/> attached (to its first byte); the rest of a long message follows plainly.</summary>
    public static void Send(Socket socket, byte[] data, int[] fds)
    {
        var control = ControlSpace(fds.Length);
        var controlBuffer = Marshal.AllocHGlobal(control);
        var dataHandle = GCHandle.Alloc(data, GCHandleType.Pinned);
        var iov = Marshal.AllocHGlobal(Marshal.SizeOf<IoVec>());
        try
        {
            for (var i = 0; i < control; i++)
                Marshal.WriteByte(controlBuffer, i, 0);
            Marshal.WriteInt64(controlBuffer, 0, HeaderSize + 4 * fds.Length);
            Marshal.WriteInt32(controlBuffer, 8, SolSocket);
            Marshal.WriteInt32(controlBuffer, 12, ScmRights);
            for (var i = 0; i < fds.Length; i++)
                Marshal.WriteInt32(controlBuffer, HeaderSize + 4 * i, fds[i]);
            Marshal.StructureToPtr(new IoVec { Base = dataHandle.AddrOfPinnedObject(), Length = (nuint)data.Length }, iov, false);
            var header = new MsgHdr { Iov = iov, IovLength = 1, Control = controlBuffer, ControlLength = (nuint)control };

            nint sent;
            while ((sent = sendmsg((int)socket.Handle, ref header, 0)) < 0)
            {
                var errno = Marshal.GetLastPInvokeError();
                if (errno == EAGAIN)
                    socket.Poll(TimeSpan.FromSeconds(1), SelectMode.SelectWrite);
                else if (errno != EINTR)
                    throw new IOException($"sendmsg failed (errno {errno})");
            }
            if (sent < data.Length)
                socket.Send(data.AsSpan((int)sent));
        }
        finally
        {
            dataHandle.Free();
            Marshal.FreeHGlobal(iov);
            Marshal.FreeHGlobal(controlBuffer);
        }
    }

    /// <summary>Reads what is there (waiting for something), with any descriptors that came along; 0 bytes at the end.</summary>
    public static int Receive(Socket socket, byte[] buffer, List<int> fds)
    {
        const int maxFds = 8;
        var control = ControlSpace(maxFds);
        var controlBuffer = Marshal.AllocHGlobal(control);
        var dataHandle = GCHandle.Alloc(buffer, GCHandleType.Pinned);
        var iov = Marshal.AllocHGlobal(Marshal.SizeOf<IoVec>());
        try
        {
            Marshal.StructureToPtr(new IoVec { Base = dataHandle.AddrOfPinnedObject(), Length = (nuint)buffer.Length }, iov, false);
            while (true)
            {
                var header = new MsgHdr { Iov = iov, IovLength = 1, Control = controlBuffer, ControlLength = (nuint)control };
                var received = recvmsg((int)socket.Handle, ref header, MsgCmsgCloexec);
                if (received < 0)
                {
                    var errno = Marshal.GetLastPInvokeError();
                    if (errno == EAGAIN)
                        socket.Poll(TimeSpan.FromSeconds(1), SelectMode.SelectRead);
                    else if (errno != EINTR)
                        throw new IOException($"recvmsg failed (errno {errno})");
                    continue;
                }

                // One SCM_RIGHTS message is all a bridge sends.
                var length = (long)header.ControlLength >= HeaderSize ? Marshal.ReadInt64(controlBuffer, 0) : 0;
                if (length > HeaderSize && Marshal.ReadInt32(controlBuffer, 8) == SolSocket && Marshal.ReadInt32(controlBuffer, 12) == ScmRights)
                {
                    for (var i = 0; i < (length - HeaderSize) / 4; i++)
                        fds.Add(Marshal.ReadInt32(controlBuffer, HeaderSize + 4 * i));
                }
                return (int)received;
            }
        }
        finally
        {
            dataHandle.Free();
            Marshal.FreeHGlobal(iov);
            Marshal.FreeHGlobal(controlBuffer);
        }
    }

    public static void Close(int fd) => _ = close(fd);

    private static int ControlSpace(int fdCount) => HeaderSize + ((4 * fdCount + 7) & ~7);

    [StructLayout(LayoutKind.Sequential)]
    private struct IoVec
    {
        public IntPtr Base;
        public nuint Length;
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct MsgHdr
    {
        public IntPtr Name;
        public uint NameLength;
        public IntPtr Iov;
        public nuint IovLength;
        public IntPtr Control;
        public nuint ControlLength;
        public int Flags;
    }

    [StructLayout(LayoutKind.Sequential)]
    internal struct PollFd
    {
        public int Fd;
        public short Events;
        public short Revents;
    }

    /// <summary>The user of the process at the other end of a Unix domain socket (SO_PEERCRED), or null if unknown.</summary>
    public static uint? PeerUid(Socket socket)
    {
        const int soPeerCred = 17;
        var credentials = new int[3]; // struct ucred: pid_t pid; uid_t uid; gid_t gid
        var length = (uint)(sizeof(int) * credentials.Length);
        return getsockopt((int)socket.Handle, SolSocket, soPeerCred, credentials, ref length) == 0 ? (uint)credentials[1] : null;
    }

    public static uint OwnUid => getuid();

    [DllImport("libc", SetLastError = true)]
    private static extern int getsockopt(int socket, int level, int option, [Out] int[] value, ref uint length);

    [DllImport("libc")]
    private static extern uint getuid();

    [DllImport("libc", SetLastError = true)]
    private static extern nint sendmsg(int socket, ref MsgHdr message, int flags);

    [DllImport("libc", SetLastError = true)]
    private static extern nint recvmsg(int socket, ref MsgHdr message, int flags);

    [DllImport("libc", SetLastError = true)]
    private static extern int close(int fd);

    [DllImport("libc", SetLastError = true)]
    internal static extern int poll([In, Out] PollFd[] fds, nuint count, int timeout);

    [DllImport("libc", SetLastError = true)]
    internal static extern nint read(int fd, ref byte buffer, nuint count);

    [DllImport("libc", SetLastError = true)]
    internal static extern nint write(int fd, ref byte buffer, nuint count);
}

/// <summary>
/// A client's stdin or stdout received from a bridge (a pipe, a socket or a terminal). Reads wait with poll so that
/// <paramref name="stop"/> interrupts them (OperationCanceledException, within <paramref name="pollMilliseconds"/>) when the
/// gateway stops; the fd is closed on dispose.
/// </summary>
internal sealed class FdStream(int fd, CancellationToken stop, int pollMilliseconds = 250) : Stream
{
    private const short PollIn = 0x1;
    private const short PollOut = 0x4;
    private readonly UnixFds.PollFd[] _poll = [new UnixFds.PollFd { Fd = fd }];
    private int _closed;

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => true;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    public override int Read(byte[] buffer, int offset, int count)
    {
        if (count == 0)
            return 0;
        while (!stop.IsCancellationRequested)
        {
            if (!Wait(PollIn, pollMilliseconds))
                continue;
            var read = UnixFds.read(fd, ref buffer[offset], (nuint)count);
            if (read >= 0)
                return (int)read;
            var errno = Marshal.GetLastPInvokeError();
            if (errno is not (UnixFds.EINTR or UnixFds.EAGAIN))
                throw new IOException($"reading the client's input failed (errno {errno})");
        }
        // Not the end of input: what is buffered stays unread, to be handed back.
        throw new OperationCanceledException(stop);
    }

    public override void Write(byte[] buffer, int offset, int count)
    {
        while (count > 0)
        {
            var written = UnixFds.write(fd, ref buffer[offset], (nuint)count);
            if (written >= 0)
            {
                offset += (int)written;
                count -= (int)written;
                continue;
            }
            var errno = Marshal.GetLastPInvokeError();
            if (errno == UnixFds.EAGAIN)
                Wait(PollOut, 1000);
            else if (errno != UnixFds.EINTR)
                throw new IOException($"writing to the client failed (errno {errno})");
        }
    }

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (Interlocked.Exchange(ref _closed, 1) == 0)
            UnixFds.Close(fd);
        base.Dispose(disposing);
    }

    /// <summary>True when the fd is ready (or hung up: the read or write then reports it).</summary>
    private bool Wait(short events, int timeoutMs)
    {
        _poll[0].Events = events;
        _poll[0].Revents = 0;
        var ready = UnixFds.poll(_poll, 1, timeoutMs);
        return ready > 0 || (ready < 0 && Marshal.GetLastPInvokeError() != UnixFds.EINTR);
    }
}
