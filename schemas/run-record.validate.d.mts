// Types of the generated validator (schemas/run-record.validate.mjs).
declare const validate: ((data: unknown) => boolean) & { errors?: { instancePath: string; message?: string }[] | null };
export default validate;
