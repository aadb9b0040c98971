namespace FaceGen.Data;

/// <summary>Sizes computed from the shape an array file's header declares (IDX, NPY). A hostile or damaged header can
/// declare dimensions whose product overflows 64 bits and wraps to a small or negative size that then passes every
/// later check, so the product is computed with checked arithmetic.</summary>
internal static class ArrayShape
{
    /// <summary>The data size in bytes of <paramref name="shape"/> with elements of <paramref name="elementSize"/> bytes;
    /// a <see cref="DataException"/> naming <paramref name="path"/> when it does not fit in a long.</summary>
    public static long Bytes(string path, IEnumerable<long> shape, int elementSize)
    {
        try
        {
            return checked(shape.Aggregate((long)elementSize, (a, b) => a * b));
        }
        catch (OverflowException)
        {
            throw new DataException(path, $"the header declares shape ({string.Join(", ", shape)}) of {elementSize}-byte elements, " +
                "whose size overflows a 64-bit count: a damaged or hostile header. Refused before reading the data.");
        }
    }
}
