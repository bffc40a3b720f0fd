/** near-sdk-js's hello-near example, as its users write it: parameters without types, an unexported class. */
export const HELLO_NEAR = `import { NearBindgen, near, call, view } from "near-sdk-js";

@NearBindgen({})
class HelloNear {
  greeting: string = "Hello";

  @view({})
  get_greeting(): string {
    return this.greeting;
  }

  @call({})
  set_greeting({ greeting }): void {
    near.log(\`Saving greeting \${greeting}\`);
    this.greeting = greeting;
  }
}
`;
