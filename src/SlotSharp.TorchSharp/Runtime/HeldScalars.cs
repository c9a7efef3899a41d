using TorchSharp;

namespace SlotSharp.Runtime;

/// <summary>
/// Scalars for the whole process. TorchSharp frees a Scalar from its finalizer, and a Scalar that only the native
/// call still reads (an implicit double -> Scalar conversion, or one TorchSharp makes itself: Tensor.add(x) is
/// add(x, 1)) can be finalized mid-call: "INTERNAL ASSERT FAILED at Scalar.h". A static field keeps it reachable
/// forever, so it is never finalized. Value-dependent Scalars live in the owning object's fields or in `using` locals
/// (docs/ownership.md).
/// </summary>
internal static class HeldScalars
{
    /// <summary>The alpha of a plain a + b: pass it explicitly, a.add(b, One), instead of calling add(b) or +.</summary>
    public static readonly Scalar One = 1.ToScalar();
}
